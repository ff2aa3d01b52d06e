import { checkRequestHeaders, decodeRequest, decodeResponse } from '../../../src/cim/decode';
import { encodeRequest, encodeResponse } from '../../../src/cim/encode';
import { CimProtocolError } from '../../../src/cim/errors';
import type { CimRequest, CimResponse } from '../../../src/cim/messages';
import { formatObjectPath, parseObjectPath } from '../../../src/cim/objectPath';
import type { CimInstance, CimInstanceName } from '../../../src/cim/types';
import { cimArray, cimInterval, cimReference, cimString, cimTimestamp, cimUint16, parseCimDateTime } from '../../../src/cim/values';

const ctx = { host: 'esx01:5989' };
const system: CimInstanceName = { className: 'OMC_UnitaryComputerSystem', keys: { CreationClassName: 'OMC_UnitaryComputerSystem', Name: 'esx01' }, namespace: 'root/cimv2' };
const service: CimInstanceName = {
  className: 'VMware_SoftwareInstallationService',
  keys: { CreationClassName: 'VMware_SoftwareInstallationService', Name: 'svc', SystemCreationClassName: 'OMC_UnitaryComputerSystem', SystemName: 'esx01' },
  namespace: 'root/cimv2',
};
const TRICKY = `file:///vmfs/volumes/ds1/a&b<c>"d'e]]>-ünïcødé-日本.zip`;

const wrap = (body: string) => `<?xml version="1.0" encoding="utf-8"?><CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE ID="7" PROTOCOLVERSION="1.0"><SIMPLERSP>${body}</SIMPLERSP></MESSAGE></CIM>`;

describe('encodeRequest', () => {
  it('writes GetInstance as DSP0201 intrinsic call with a percent-encoded namespace header', () => {
    const { body, headers } = encodeRequest({ kind: 'GetInstance', namespace: 'root/cimv2', instanceName: { className: 'VMware_ConcreteJob', keys: { InstanceID: 'j:1' } } }, '1001');
    expect(body).toBe(
      '<?xml version="1.0" encoding="utf-8" ?>\n<CIM CIMVERSION="2.0" DTDVERSION="2.0"><MESSAGE ID="1001" PROTOCOLVERSION="1.0"><SIMPLEREQ>' +
        '<IMETHODCALL NAME="GetInstance"><LOCALNAMESPACEPATH><NAMESPACE NAME="root"/><NAMESPACE NAME="cimv2"/></LOCALNAMESPACEPATH>' +
        '<IPARAMVALUE NAME="InstanceName"><INSTANCENAME CLASSNAME="VMware_ConcreteJob"><KEYBINDING NAME="InstanceID"><KEYVALUE VALUETYPE="string">j:1</KEYVALUE></KEYBINDING></INSTANCENAME></IPARAMVALUE>' +
        '</IMETHODCALL></SIMPLEREQ></MESSAGE></CIM>',
    );
    expect(headers).toEqual({ CIMOperation: 'MethodCall', CIMMethod: 'GetInstance', CIMObject: 'root%2Fcimv2' });
  });

  it('writes InvokeMethod with typed parameters, a reference and the object path header', () => {
    const { body, headers } = encodeRequest(
      { kind: 'InvokeMethod', objectName: service, methodName: 'InstallFromURI', params: { URI: cimString('file:///vmfs/volumes/ds1/b.zip'), Target: cimReference(system), InstallOptions: cimArray('uint16', [5]) } },
      '1002',
    );
    expect(body).toContain('<METHODCALL NAME="InstallFromURI"><LOCALINSTANCEPATH><LOCALNAMESPACEPATH><NAMESPACE NAME="root"/><NAMESPACE NAME="cimv2"/></LOCALNAMESPACEPATH><INSTANCENAME CLASSNAME="VMware_SoftwareInstallationService">');
    expect(body).toContain('<PARAMVALUE NAME="URI" PARAMTYPE="string"><VALUE>file:///vmfs/volumes/ds1/b.zip</VALUE></PARAMVALUE>');
    expect(body).toContain('<PARAMVALUE NAME="Target" PARAMTYPE="reference"><VALUE.REFERENCE><LOCALINSTANCEPATH>');
    expect(body).toContain('<PARAMVALUE NAME="InstallOptions" PARAMTYPE="uint16"><VALUE.ARRAY><VALUE>5</VALUE></VALUE.ARRAY></PARAMVALUE>');
    expect(headers.CIMMethod).toBe('InstallFromURI');
    expect(decodeURIComponent(headers.CIMObject)).toBe(formatObjectPath({ ...service, host: undefined }));
    expect(headers.CIMObject).not.toMatch(/[/:"= ]/);
  });

  it('escapes & < > " \' and keeps non-ASCII, so a hostile URI survives a round trip byte for byte', () => {
    const request: CimRequest = { kind: 'InvokeMethod', objectName: service, methodName: 'InstallFromURI', params: { URI: cimString(TRICKY) } };
    const { body } = encodeRequest(request, '1');
    expect(body).toContain('a&amp;b&lt;c&gt;&quot;d&apos;e]]&gt;-ünïcødé-日本.zip');
    const decoded = decodeRequest(Buffer.from(body, 'utf8'));
    expect(decoded.request).toMatchObject({ kind: 'InvokeMethod', params: { URI: { value: TRICKY } } });
  });
});

describe('request round trips (what the simulator decodes is what the client encoded)', () => {
  const requests: CimRequest[] = [
    { kind: 'GetInstance', namespace: 'root/cimv2', instanceName: { ...system, namespace: 'root/cimv2' }, options: { localOnly: false, propertyList: ['PercentComplete', 'JobStatus'] } },
    { kind: 'EnumerateInstanceNames', namespace: 'root/interop', className: 'CIM_RegisteredProfile' },
    { kind: 'EnumerateInstances', namespace: 'root/interop', className: 'CIM_RegisteredProfile', options: { deepInheritance: true } },
    { kind: 'AssociatorNames', namespace: 'root/cimv2', objectName: system, filter: { assocClass: 'CIM_HostedService', resultClass: 'CIM_SoftwareInstallationService', role: 'Antecedent', resultRole: 'Dependent' } },
    { kind: 'Associators', namespace: 'root/cimv2', objectName: system, filter: { assocClass: 'CIM_InstalledSoftwareIdentity' } },
    { kind: 'GetClass', namespace: 'root/cimv2', className: 'VMware_SoftwareInstallationService', localOnly: false, includeQualifiers: true },
    { kind: 'InvokeMethod', objectName: service, methodName: 'InstallFromURI', params: { URI: cimString('file:///x.zip'), Target: cimReference(system), InstallOptions: cimArray('uint16', [2, 5]), InstallOptionsValues: null } },
  ];
  it.each(requests.map((r) => [r.kind, r] as const))('%s', (_kind, request) => {
    const { body, headers } = encodeRequest(request, '42');
    const decoded = decodeRequest(body);
    expect(decoded.messageId).toBe('42');
    expect(decoded.request.kind).toBe(request.kind);
    expect(checkRequestHeaders(Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), decoded.request)).toBeUndefined();
    if (request.kind === 'InvokeMethod' && decoded.request.kind === 'InvokeMethod') {
      expect(decoded.request.params.Target?.value).toMatchObject({ className: system.className, keys: system.keys, namespace: 'root/cimv2' });
      expect(decoded.request.params.InstallOptions).toMatchObject({ type: 'uint16', value: [2, 5] });
      expect(decoded.request.params.InstallOptionsValues).toBeNull();
    } else {
      expect(decoded.request).toMatchObject(request);
    }
  });
});

describe('checkRequestHeaders', () => {
  const { body } = encodeRequest({ kind: 'InvokeMethod', objectName: service, methodName: 'InstallFromURI', params: {} }, '1');
  const request = decodeRequest(body).request;
  const path = formatObjectPath({ ...service, host: undefined });
  it.each([
    ['percent-encoded (DSP0200)', encodeURIComponent(path)],
    ['unencoded (pywbem)', path],
    ["with only '/' and ':' encoded (wbemcli)", path.replace(/\//g, '%2F').replace(/:/g, '%3A')],
  ])('accepts CIMObject %s', (_how, cimObject) => {
    expect(checkRequestHeaders({ cimoperation: 'MethodCall', cimmethod: 'InstallFromURI', cimobject: cimObject }, request)).toBeUndefined();
  });
  it('rejects a CIMObject that names another object, or a wrong operation', () => {
    expect(checkRequestHeaders({ cimoperation: 'MethodCall', cimmethod: 'InstallFromURI', cimobject: path.replace('esx01', 'esx02') }, request)).toBe('header-mismatch');
    expect(checkRequestHeaders({ cimoperation: 'MethodCall', cimmethod: 'GetInstance', cimobject: path }, request)).toBe('header-mismatch');
    expect(checkRequestHeaders({ cimoperation: 'Nonsense', cimmethod: 'InstallFromURI', cimobject: path }, request)).toBe('unsupported-operation');
    expect(checkRequestHeaders({ cimoperation: 'MethodCall', cimmethod: 'InstallFromURI', cimobject: path, cimprotocolversion: '2.0' }, request)).toBe('unsupported-protocol-version');
  });
});

describe('decodeResponse', () => {
  const job: CimInstance = {
    className: 'VMware_ConcreteJob',
    path: { className: 'VMware_ConcreteJob', keys: { InstanceID: 'j:1' } },
    properties: {
      InstanceID: { name: 'InstanceID', type: 'string', value: 'j:1' },
      PercentComplete: { name: 'PercentComplete', type: 'uint16', value: 30 },
      ErrorDescription: { name: 'ErrorDescription', type: 'string', value: null },
      DeleteOnCompletion: { name: 'DeleteOnCompletion', type: 'boolean', value: true },
      StartTime: { name: 'StartTime', type: 'datetime', value: cimTimestamp(new Date(Date.UTC(2026, 10, 24, 2, 0, 0))) },
      TimeBeforeRemoval: { name: 'TimeBeforeRemoval', type: 'datetime', value: cimInterval(300) },
      Big: { name: 'Big', type: 'uint64', value: 18446744073709551615n },
      Schemes: { name: 'Schemes', type: 'uint16', value: [2, 5], isArray: true },
      Owner: { name: 'Owner', type: 'reference', value: system, referenceClass: 'CIM_ComputerSystem' },
      Error: { name: 'Error', type: 'string', embeddedObject: 'instance', value: { className: 'CIM_Error', properties: { Message: { name: 'Message', type: 'string', value: 'a <b> & "c"' } } } },
    },
  };

  const responses: CimResponse[] = [
    { ok: true, messageId: '1', result: { kind: 'GetInstance', instance: job } },
    { ok: true, messageId: '2', result: { kind: 'EnumerateInstanceNames', names: [system, service] } },
    { ok: true, messageId: '3', result: { kind: 'EnumerateInstances', instances: [{ ...job, path: job.path }] } },
    { ok: true, messageId: '4', result: { kind: 'AssociatorNames', names: [service] } },
    { ok: true, messageId: '5', result: { kind: 'Associators', instances: [{ ...job, path: { ...job.path!, namespace: 'root/cimv2', host: 'esx01' } }] } },
    { ok: true, messageId: '6', result: { kind: 'InvokeMethod', methodName: 'InstallFromURI', result: { returnValue: { type: 'uint32', value: 4096 }, outParams: { Job: cimReference({ ...job.path!, namespace: 'root/cimv2' }) } } } },
    { ok: false, messageId: '7', kind: 'GetInstance', error: { code: 6, description: 'no such job', instances: [{ className: 'CIM_Error', properties: { CIMStatusCode: { name: 'CIMStatusCode', type: 'uint32', value: 6 } } }] } },
  ];

  it.each(responses.map((r) => [r.ok ? r.result.kind : `ERROR (${r.kind})`, r] as const))('round-trips %s', (_kind, response) => {
    const kind = response.ok ? response.result.kind : response.kind;
    const decoded = decodeResponse(encodeResponse(response), { kind, methodName: 'InstallFromURI' }, ctx);
    expect(decoded.ok).toBe(response.ok);
    if (response.ok && decoded.ok && response.result.kind === 'GetInstance' && decoded.result.kind === 'GetInstance') {
      const props = decoded.result.instance.properties;
      expect(props.PercentComplete.value).toBe(30);
      expect(props.ErrorDescription.value).toBeNull();
      expect(props.DeleteOnCompletion.value).toBe(true);
      expect(props.Big.value).toBe(18446744073709551615n);
      expect(props.Schemes).toMatchObject({ value: [2, 5], isArray: true });
      expect(props.Owner.value).toMatchObject({ className: system.className, keys: system.keys, namespace: 'root/cimv2' });
      expect(props.TimeBeforeRemoval.value).toEqual(parseCimDateTime('00000000000500.000000:000'));
      expect(props.Error.value).toMatchObject({ className: 'CIM_Error', properties: { Message: { value: 'a <b> & "c"' } } });
    } else if (!response.ok && !decoded.ok) {
      expect(decoded.error).toMatchObject({ code: 6, description: 'no such job' });
      expect(decoded.error.instances?.[0].className).toBe('CIM_Error');
    } else if (response.ok && decoded.ok) {
      expect(JSON.stringify(decoded.result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).toContain(response.result.kind === 'InvokeMethod' ? 'j:1' : response.result.kind === 'EnumerateInstanceNames' || response.result.kind === 'AssociatorNames' ? 'svc' : 'j:1');
    }
  });

  it('accepts what real servers send: no PARAMTYPE, INSTANCENAME references, typed KEYVALUE, qualifiers, CDATA, whitespace', () => {
    const xml = wrap(`
      <METHODRESPONSE NAME="InstallFromURI">
        <RETURNVALUE><VALUE>4096</VALUE></RETURNVALUE>
        <PARAMVALUE NAME="Job">
          <VALUE.REFERENCE><INSTANCENAME CLASSNAME="VMware_ConcreteJob">
            <KEYBINDING NAME="InstanceID"><KEYVALUE VALUETYPE="string" TYPE="string"><![CDATA[job<1>]]></KEYVALUE></KEYBINDING>
            <KEYBINDING NAME="Seq"><KEYVALUE VALUETYPE="numeric" TYPE="uint32">7</KEYVALUE></KEYBINDING>
          </INSTANCENAME></VALUE.REFERENCE>
        </PARAMVALUE>
      </METHODRESPONSE>`);
    const decoded = decodeResponse(xml, { kind: 'InvokeMethod', methodName: 'installfromuri' }, ctx);
    expect(decoded).toMatchObject({ ok: true, result: { result: { returnValue: { type: 'uint32', value: 4096 }, outParams: { Job: { type: 'reference', value: { keys: { InstanceID: 'job<1>', Seq: 7 } } } } } } });
    const withQualifiers = wrap(`<IMETHODRESPONSE NAME="GetInstance"><IRETURNVALUE><INSTANCE CLASSNAME="X"><QUALIFIER NAME="Description" TYPE="string"><VALUE>d</VALUE></QUALIFIER>
      <PROPERTY NAME="P" TYPE="uint16" CLASSORIGIN="CIM_Job" PROPAGATED="true"><QUALIFIER NAME="Units" TYPE="string"><VALUE>Percent</VALUE></QUALIFIER><VALUE> 42 </VALUE></PROPERTY>
      <PROPERTY NAME="S" TYPE="string"><VALUE>  keep  spaces  </VALUE></PROPERTY></INSTANCE></IRETURNVALUE></IMETHODRESPONSE>`);
    const instance = decodeResponse(withQualifiers, { kind: 'GetInstance' }, ctx);
    expect(instance).toMatchObject({ ok: true, result: { instance: { properties: { P: { value: 42, classOrigin: 'CIM_Job', propagated: true }, S: { value: '  keep  spaces  ' } } } } });
  });

  it.each([
    ['wrong CIMVERSION', wrap('').replace('CIMVERSION="2.0"', 'CIMVERSION="3.0"'), /CIMVERSION/],
    ['a response to another method', wrap('<IMETHODRESPONSE NAME="EnumerateInstances"><IRETURNVALUE/></IMETHODRESPONSE>'), /expected "GetInstance"/],
    ['not XML', 'HTTP/1.1 200 OK but not xml', /not XML/],
    ['truncated', wrap('<IMETHODRESPONSE NAME="GetInstance"><IRETURNVALUE><INSTANCE CLASSNAME="X">').slice(0, -30), /truncated|closes a tag|inside a tag/],
    ['a bad number', wrap('<IMETHODRESPONSE NAME="GetInstance"><IRETURNVALUE><INSTANCE CLASSNAME="X"><PROPERTY NAME="P" TYPE="uint16"><VALUE>70000</VALUE></PROPERTY></INSTANCE></IRETURNVALUE></IMETHODRESPONSE>'), /out of range for uint16/],
    ['a DOCTYPE', `<?xml version="1.0"?><!DOCTYPE CIM SYSTEM "cim.dtd">${wrap('').replace(/^<\?xml[^>]*\?>/, '')}`, /DOCTYPE/],
    ['billion laughs', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><CIM CIMVERSION="2.0">&lol2;</CIM>`, /DOCTYPE|ENTITY/],
    ['deep nesting', `<CIM CIMVERSION="2.0">${'<A>'.repeat(500)}${'</A>'.repeat(500)}</CIM>`, /deeper than/],
    ['a huge attribute', `<CIM CIMVERSION="2.0" X="${'x'.repeat(200_000)}"></CIM>`, /attribute limit/],
    ['invalid UTF-8', Buffer.concat([Buffer.from('<CIM CIMVERSION="2.0">'), Buffer.from([0xc3, 0x28]), Buffer.from('</CIM>')]), /UTF-8/],
  ])('rejects %s with a typed error that names the host', (_what, xml, message) => {
    const started = Date.now();
    let error: unknown;
    try {
      decodeResponse(xml, { kind: 'GetInstance' }, ctx);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CimProtocolError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('esx01:5989');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a document over the size limit before parsing it', () => {
    expect(() => decodeResponse(wrap(`<!-- ${'x'.repeat(2048)} -->`), { kind: 'GetInstance' }, { ...ctx, maxBytes: 1024 })).toThrow(/exceeds the limit of 1024/);
  });
});

describe('object paths', () => {
  it('format and parse each other, with quotes and backslashes escaped', () => {
    const name: CimInstanceName = { className: 'C', keys: { S: 'a "quoted" \\ value', N: 5, B: true }, namespace: 'root/cimv2' };
    expect(parseObjectPath(formatObjectPath(name))).toEqual(name);
    expect(parseObjectPath('//esx01/root/interop:CIM_RegisteredProfile.InstanceID="DMTF:Base Server:1.0.0"')).toEqual({
      className: 'CIM_RegisteredProfile',
      keys: { InstanceID: 'DMTF:Base Server:1.0.0' },
      namespace: 'root/interop',
      host: 'esx01',
    });
  });

  it('values: uint16 constructor and datetimes in wire form', () => {
    expect(cimUint16(5)).toEqual({ type: 'uint16', value: 5 });
    expect(cimTimestamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6))).text).toBe('20260102030405.006000+000');
    expect(cimInterval(90061.5).text).toBe('00000001010101.500000:000');
    expect(() => parseCimDateTime('yesterday')).toThrow(/not a CIM datetime/);
  });
});
