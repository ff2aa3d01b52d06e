/**
 * The CIM value model: plain, JSON-friendly data shared by the encoder, the decoder, the client
 * and anything that serves CIM-XML. No behaviour lives here beyond small constructors.
 */

export type CimIntegerType =
  | 'uint8' | 'sint8' | 'uint16' | 'sint16' | 'uint32' | 'sint32' | 'uint64' | 'sint64';
export type CimType =
  | CimIntegerType
  | 'string' | 'char16' | 'boolean' | 'real32' | 'real64' | 'datetime' | 'reference';

/** A CIM datetime kept in its wire form: `yyyymmddhhmmss.mmmmmmsutc` or `ddddddddhhmmss.mmmmmm:000`. */
export interface CimDateTime {
  readonly kind: 'timestamp' | 'interval';
  readonly text: string;
}

/** A key value: string and char16/datetime keys are strings, numeric keys numbers, references names. */
export type CimKeyValue = string | number | boolean | CimInstanceName;

/** An instance path. Key order is preserved as given (it is the order sent on the wire). */
export interface CimInstanceName {
  readonly className: string;
  readonly keys: Readonly<Record<string, CimKeyValue>>;
  /** e.g. `root/cimv2`; absent for a bare INSTANCENAME. */
  readonly namespace?: string;
  /** e.g. `esx01.example.com:5989`; only present when the wire form carried NAMESPACEPATH/HOST. */
  readonly host?: string;
}

/**
 * A scalar value. Integers are numbers (64-bit values beyond 2^53 are bigint), reals numbers,
 * datetimes CimDateTime, references CimInstanceName, embedded instances CimInstance.
 */
export type CimScalar = string | number | bigint | boolean | CimDateTime | CimInstanceName | CimInstance;

/** A typed value: what a property or a parameter holds. `value` null means CIM NULL. */
export interface CimTypedValue {
  readonly type: CimType;
  readonly value: CimScalar | readonly CimScalar[] | null;
  readonly isArray?: boolean;
  /** Set when the value is an embedded object serialised as escaped CIM-XML text. */
  readonly embeddedObject?: 'instance' | 'object';
}

export interface CimProperty extends CimTypedValue {
  readonly name: string;
  /** For reference properties: the REFERENCECLASS attribute. */
  readonly referenceClass?: string;
  readonly classOrigin?: string;
  readonly propagated?: boolean;
}

export interface CimInstance {
  readonly className: string;
  /** Properties by name as sent by the server (CIM names are case-insensitive; see getProperty). */
  readonly properties: Readonly<Record<string, CimProperty>>;
  /** The instance's path, when the operation returned one (EnumerateInstances, Associators). */
  readonly path?: CimInstanceName;
}

/** Result of an extrinsic method call. */
export interface CimMethodResult {
  readonly returnValue: CimTypedValue;
  readonly outParams: Readonly<Record<string, CimTypedValue>>;
}

/** Just enough of a class declaration to call its methods (what `wbemcli cm` reads). */
export interface CimParameterDecl {
  readonly name: string;
  readonly type: CimType;
  readonly isArray: boolean;
  readonly referenceClass?: string;
  readonly qualifiers: Readonly<Record<string, string | number | boolean | null>>;
}
export interface CimMethodDecl {
  readonly name: string;
  readonly returnType: CimType;
  readonly parameters: readonly CimParameterDecl[];
}
export interface CimPropertyDecl {
  readonly name: string;
  readonly type: CimType;
  readonly isArray: boolean;
  readonly referenceClass?: string;
  readonly isKey: boolean;
}
export interface CimClass {
  readonly name: string;
  readonly superClass?: string;
  readonly properties: readonly CimPropertyDecl[];
  readonly methods: readonly CimMethodDecl[];
}

/** CIM status codes (DSP0200 table). */
export const CIM_STATUS = {
  FAILED: 1,
  ACCESS_DENIED: 2,
  INVALID_NAMESPACE: 3,
  INVALID_PARAMETER: 4,
  INVALID_CLASS: 5,
  NOT_FOUND: 6,
  NOT_SUPPORTED: 7,
  CLASS_HAS_CHILDREN: 8,
  CLASS_HAS_INSTANCES: 9,
  INVALID_SUPERCLASS: 10,
  ALREADY_EXISTS: 11,
  NO_SUCH_PROPERTY: 12,
  TYPE_MISMATCH: 13,
  QUERY_LANGUAGE_NOT_SUPPORTED: 14,
  INVALID_QUERY: 15,
  METHOD_NOT_AVAILABLE: 16,
  METHOD_NOT_FOUND: 17,
} as const;
export type CimStatusName = keyof typeof CIM_STATUS;
