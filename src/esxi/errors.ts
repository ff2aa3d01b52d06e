/**
 * Architecture decision 7: every failure is classified once, here, as retryable or final, with a
 * category an operator recognises. Activities only translate the result into Temporal failures.
 */
import {
  CimAuthError,
  CimError,
  CimHttpError,
  CimProtocolError,
  CimTlsError,
  CimTransportError,
} from '../cim/errors';
import { CIM_STATUS } from '../cim/types';
import { installReturnCodeText } from './valueMaps';

export type FailureCategory =
  | 'authentication'
  | 'tls'
  | 'network'
  | 'server-error'
  | 'protocol'
  | 'service-not-present'
  | 'invalid-parameter'
  | 'uri-not-accessible'
  | 'target-in-use'
  | 'dependency'
  | 'acceptance'
  | 'validation'
  | 'installation'
  | 'live-installation'
  | 'maintenance-mode'
  | 'not-supported'
  | 'cim-failure';

export class EsxiError extends Error {
  override readonly name = 'EsxiError';
  constructor(
    message: string,
    readonly category: FailureCategory,
    readonly retryable: boolean,
    /** CIM status code or InstallFromURI return code, when one caused this. */
    readonly code?: number,
    /** For network failures: whether the request may have been processed by the host. */
    readonly requestMayHaveReachedServer = true,
  ) {
    super(message);
  }
}

/** esxupdate's bracketed error class in a job's ErrorDescription, mapped to a category. */
const ESXUPDATE_CATEGORIES: readonly [RegExp, FailureCategory][] = [
  [/\[DependencyError\]/i, 'dependency'],
  [/\[AcceptanceConfigError\]/i, 'acceptance'],
  [/\[VibValidationError\]|\[VibFormatError\]|\[VibSignatureError\]/i, 'validation'],
  [/\[LiveInstallationError\]/i, 'live-installation'],
  [/\[MaintenanceModeError\]/i, 'maintenance-mode'],
  [/\[InstallationError\]|\[StatelessError\]/i, 'installation'],
];

/** The category of a failed job's ErrorDescription, e.g. "[DependencyError] ..." -> dependency. */
export function jobErrorCategory(description: string | null): FailureCategory | undefined {
  if (!description) return undefined;
  return ESXUPDATE_CATEGORIES.find(([pattern]) => pattern.test(description))?.[1];
}

/** Text of a CIM_ERR_FAILED that says "try again" rather than "this cannot work". */
const TRANSIENT_TEXT = /timed? ?out|temporar|busy|try again|unavailable|resource|connection|in progress/i;

/** Classifies anything the CIM layer threw. Unknown errors are final: they are bugs, not weather. */
export function classifyCimFailure(err: unknown): EsxiError {
  if (err instanceof EsxiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CimAuthError) return new EsxiError(message, 'authentication', false, 401, false);
  if (err instanceof CimTlsError) {
    return new EsxiError(message, 'tls', err.reason === 'handshake', undefined, false);
  }
  if (err instanceof CimTransportError) {
    return new EsxiError(message, 'network', true, undefined, err.requestMayHaveReachedServer);
  }
  if (err instanceof CimHttpError) {
    return new EsxiError(message, err.status >= 500 ? 'server-error' : 'protocol', err.status >= 500, err.status);
  }
  if (err instanceof CimProtocolError) return new EsxiError(message, 'protocol', true);
  if (err instanceof CimError) return classifyCimStatus(err, message);
  return new EsxiError(message, 'cim-failure', false);
}

function classifyCimStatus(err: CimError, message: string): EsxiError {
  switch (err.code) {
    case CIM_STATUS.ACCESS_DENIED:
      return new EsxiError(message, 'authentication', false, err.code);
    case CIM_STATUS.INVALID_PARAMETER:
      return new EsxiError(message, 'invalid-parameter', false, err.code);
    case CIM_STATUS.INVALID_NAMESPACE:
    case CIM_STATUS.INVALID_CLASS:
    case CIM_STATUS.NOT_SUPPORTED:
    case CIM_STATUS.METHOD_NOT_AVAILABLE:
    case CIM_STATUS.METHOD_NOT_FOUND:
      return new EsxiError(
        `${message} (is the CIM service enabled and the Software Update profile installed on this host?)`,
        'service-not-present',
        false,
        err.code,
      );
    case CIM_STATUS.FAILED:
      return new EsxiError(message, 'cim-failure', TRANSIENT_TEXT.test(err.description), err.code);
    default:
      return new EsxiError(message, 'cim-failure', false, err.code);
  }
}

const RETURN_CODE_CATEGORIES: Readonly<Record<number, [FailureCategory, boolean]>> = {
  1: ['not-supported', false],
  2: ['cim-failure', false],
  3: ['server-error', true],
  4: ['installation', false],
  5: ['invalid-parameter', false],
  6: ['target-in-use', true],
  4097: ['not-supported', false],
  4098: ['not-supported', false],
  4099: ['installation', false],
  4100: ['installation', false],
  4101: ['installation', false],
  4102: ['installation', false],
  4103: ['installation', false],
  4104: ['validation', false],
  4105: ['dependency', false],
  4106: ['validation', false],
  4107: ['uri-not-accessible', false],
};

/** An InstallFromURI return code other than "job started", as a classified error. */
export function installReturnCodeError(code: number, host: string): EsxiError {
  const [category, retryable] = RETURN_CODE_CATEGORIES[code] ?? ['cim-failure', false];
  return new EsxiError(
    `InstallFromURI on ${host} returned ${code} (${installReturnCodeText(code)})`,
    category,
    retryable,
    code,
  );
}
