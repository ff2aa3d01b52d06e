/**
 * vim25 envelopes without a server: requests as vCenter parses them, and responses captured from
 * vcsim (which spells the schema-instance prefix `XMLSchema-instance:`) and in vCenter's own
 * `xsi:` spelling, decoded to the same values by namespace URI.
 */
import { XMLValidator } from 'fast-xml-parser';
import { decodeResponse, encodeRequest, SOAP_ENVELOPE_NAMESPACE, VIM25_NAMESPACE } from '../../../src/vsphere/envelope';
import { VsphereFault } from '../../../src/vsphere/errors';
import { decodeRetrieveResult, retrieveArguments } from '../../../src/vsphere/propertyCollector';
import { VimObject, VimValueError } from '../../../src/vsphere/values';
import { attribute, childElement, parseXml, XmlError, XSI_NAMESPACE, xsiType, type XmlElement } from '../../../src/vsphere/xml';

const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>';
const ENVELOPE_CLOSE = '</soapenv:Body></soapenv:Envelope>';
const envelope = (body: string) => `${ENVELOPE_OPEN}${body}${ENVELOPE_CLOSE}`;

/** A RetrievePropertiesEx answer as vcsim wrote it (host-21, shortened certificate). */
const VCSIM_PROPERTIES = envelope(
  '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>b5d2c1</token><objects><obj type="HostSystem">host-21</obj>' +
    '<propSet><name>name</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">DC0_H0</val></propSet>' +
    '<propSet><name>runtime.connectionState</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="HostSystemConnectionState">connected</val></propSet>' +
    '<propSet><name>runtime.inMaintenanceMode</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:boolean">false</val></propSet>' +
    '<propSet><name>parent</name><val type="ComputeResource" xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ManagedObjectReference">domain-s24</val></propSet>' +
    '<propSet><name>recentTask</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfManagedObjectReference"></val></propSet>' +
    '<propSet><name>config.certificate</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="ArrayOfByte"><byte>45</byte><byte>45</byte><byte>-61</byte></val></propSet>' +
    '<propSet><name>runtime.healthSystemRuntime</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="HealthSystemRuntime"><systemHealthInfo><numericSensorInfo><name>CPU</name>' +
    '<healthState XMLSchema-instance:type="ElementDescription"><label>Green</label><key>green</key></healthState><currentReading>0</currentReading></numericSensorInfo>' +
    '<numericSensorInfo><name>BIOS</name><currentReading>7</currentReading></numericSensorInfo></systemHealthInfo></val></propSet>' +
    '<missingSet><path>config.nope</path><fault><fault xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="InvalidProperty"><name>config.nope</name></fault></fault></missingSet>' +
    '</objects></returnval></RetrievePropertiesExResponse>',
);

/** The same answer in vCenter's spelling: xsi declared once on the Envelope. */
const VCENTER_PROPERTIES = VCSIM_PROPERTIES.replace(/ xmlns:XMLSchema-instance="[^"]*"/g, '').replace(/XMLSchema-instance:type=/g, 'xsi:type=');

const decodeOk = (xml: string, method: string) => {
  const outcome = decodeResponse(xml, method);
  if (!outcome.ok) throw new Error(`unexpected fault ${outcome.fault.faultType}`);
  return outcome.value;
};

describe('request envelopes', () => {
  const bodyOf = (xml: string): XmlElement => {
    const root = parseXml(xml);
    expect(root).toMatchObject({ namespace: SOAP_ENVELOPE_NAMESPACE, name: 'Envelope' });
    const [method] = childElement(root, 'Body')?.children ?? [];
    if (!method) throw new Error('no method element');
    return method;
  };

  it('puts _this first, in urn:vim25, and escapes what a password may contain', () => {
    const password = `p<a>s&s"w'o]]>rd`;
    const xml = encodeRequest('Login', { type: 'SessionManager', value: 'SessionManager' }, [['userName', 'admin@vsphere.local'], ['password', password], ['locale', undefined]]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const login = bodyOf(xml);
    expect(login).toMatchObject({ namespace: VIM25_NAMESPACE, name: 'Login' });
    expect(login.children.map((c) => c.name)).toEqual(['_this', 'userName', 'password']);
    expect(attribute(login.children[0] as XmlElement, 'type')).toBe('SessionManager');
    expect(childElement(login, 'password')?.text).toBe(password);
  });

  it('writes specs in schema order, with xsi:type where a TraversalSpec stands for a SelectionSpec', () => {
    const args = retrieveArguments(
      [
        {
          propSet: [{ type: 'HostSystem', pathSet: ['name', 'runtime.inMaintenanceMode'] }],
          objectSet: [{ obj: { type: 'Folder', value: 'group-d1' }, skip: false, selectSet: [{ name: 'dc', type: 'Datacenter', path: 'hostFolder', selectSet: [{ name: 'dc' }] }] }],
        },
      ],
      2,
    );
    const method = bodyOf(encodeRequest('RetrievePropertiesEx', { type: 'PropertyCollector', value: 'propertyCollector' }, args));
    expect(method.children.map((c) => c.name)).toEqual(['_this', 'specSet', 'options']);
    const spec = childElement(method, 'specSet') as XmlElement;
    expect(spec.children.map((c) => c.name)).toEqual(['propSet', 'objectSet']);
    expect((childElement(spec, 'propSet') as XmlElement).children.map((c) => `${c.name}=${c.text}`)).toEqual(['type=HostSystem', 'pathSet=name', 'pathSet=runtime.inMaintenanceMode']);
    const objectSet = childElement(spec, 'objectSet') as XmlElement;
    expect(objectSet.children.map((c) => c.name)).toEqual(['obj', 'skip', 'selectSet']);
    const traversal = childElement(objectSet, 'selectSet') as XmlElement;
    expect(xsiType(traversal)).toEqual({ namespace: VIM25_NAMESPACE, name: 'TraversalSpec' });
    expect(traversal.children.map((c) => c.name)).toEqual(['name', 'type', 'path', 'selectSet']);
    expect(xsiType(childElement(traversal, 'selectSet') as XmlElement)?.name).toBe('SelectionSpec');
    expect(childElement(childElement(method, 'options') as XmlElement, 'maxObjects')?.text).toBe('2');
  });
});

describe('namespace resolution', () => {
  it('finds xsi:type by namespace URI, whatever the prefix', () => {
    for (const prefix of ['xsi', 'XMLSchema-instance', 'i']) {
      const root = parseXml(`<r xmlns:${prefix}="${XSI_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><v ${prefix}:type="xsd:int">7</v></r>`);
      expect(xsiType(root.children[0] as XmlElement)).toEqual({ namespace: 'http://www.w3.org/2001/XMLSchema', name: 'int' });
    }
  });

  it('ignores an xsi prefix bound to another namespace, and an unprefixed type', () => {
    const root = parseXml('<r xmlns:xsi="urn:not-schema-instance"><v xsi:type="Wrong" type="HostSystem">host-1</v></r>');
    const v = root.children[0] as XmlElement;
    expect(xsiType(v)).toBeNull();
    expect(attribute(v, 'type')).toBe('HostSystem');
  });

  it('lets an inner declaration shadow an outer one, and refuses undeclared prefixes', () => {
    const root = parseXml(`<r xmlns:p="${XSI_NAMESPACE}"><a xmlns:p="urn:other" p:type="X"/><b p:type="Y"/></r>`);
    expect(xsiType(root.children[0] as XmlElement)).toBeNull();
    expect(xsiType(root.children[1] as XmlElement)?.name).toBe('Y');
    expect(() => parseXml('<r><v q:type="x"/></r>')).toThrow(/prefix "q" of "q:type" is not declared/);
  });
});

describe('response envelopes', () => {
  it("decodes vcsim's and vCenter's spellings to the same values", () => {
    const fromVcsim = decodeRetrieveResult(decodeOk(VCSIM_PROPERTIES, 'RetrievePropertiesEx'));
    const fromVcenter = decodeRetrieveResult(decodeOk(VCENTER_PROPERTIES, 'RetrievePropertiesEx'));
    expect(fromVcenter).toEqual(fromVcsim);
    expect(fromVcsim.token).toBe('b5d2c1');
    const [host] = fromVcsim.objects;
    expect(host?.obj).toEqual({ type: 'HostSystem', value: 'host-21' });
    const p = host?.properties;
    expect(p?.get('name')).toBe('DC0_H0');
    expect(p?.get('runtime.connectionState')).toBe('connected');
    expect(p?.get('runtime.inMaintenanceMode')).toBe(false);
    expect(p?.get('recentTask')).toEqual([]);
    expect(p?.get('config.certificate')).toEqual([45, 45, -61]);
    expect(host?.missing).toEqual([{ path: 'config.nope', faultType: 'InvalidProperty' }]);
  });

  it('reads a ManagedObjectReference that carries both its type and an xsi:type', () => {
    const [host] = decodeRetrieveResult(decodeOk(VCSIM_PROPERTIES, 'RetrievePropertiesEx')).objects;
    expect(host?.properties.get('parent')).toEqual({ type: 'ComputeResource', value: 'domain-s24' });
  });

  it('resolves a nested xsi:type through the declaration on an ancestor, and repeats fields as lists', () => {
    const [host] = decodeRetrieveResult(decodeOk(VCSIM_PROPERTIES, 'RetrievePropertiesEx')).objects;
    const health = host?.properties.get('runtime.healthSystemRuntime') as VimObject;
    expect(health.vimType).toBe('HealthSystemRuntime');
    const sensors = (health.get('systemHealthInfo') as VimObject).get('numericSensorInfo') as VimObject[];
    expect(sensors).toHaveLength(2);
    expect((sensors[0]?.get('healthState') as VimObject).vimType).toBe('ElementDescription');
    expect(sensors[1]?.get('currentReading')).toBe('7');
  });

  it('reads an empty answer, with or without an empty returnval', () => {
    expect(decodeRetrieveResult(decodeOk(envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>'), 'RetrievePropertiesEx'))).toEqual({ objects: [], token: null });
    expect(decodeRetrieveResult(decodeOk(envelope('<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval></returnval></RetrievePropertiesExResponse>'), 'RetrievePropertiesEx'))).toEqual({ objects: [], token: null });
  });

  it('reads a task reference and a void answer', () => {
    expect(decodeOk(envelope('<EnterMaintenanceMode_TaskResponse xmlns="urn:vim25"><returnval type="Task">task-73</returnval></EnterMaintenanceMode_TaskResponse>'), 'EnterMaintenanceMode_Task')).toEqual({ type: 'Task', value: 'task-73' });
    expect(decodeOk(envelope('<LogoutResponse xmlns="urn:vim25"></LogoutResponse>'), 'Logout')).toBeUndefined();
  });

  it.each([
    ['InvalidLogin', 'ServerFaultCode', '<faultstring>Login failure</faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault></detail>', 'Login failure'],
    ['NotAuthenticated', 'ServerFaultCode', '<faultstring></faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="HostSystem">host-21</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail>', ''],
    ['MethodNotFound', 'ServerFaultCode', '<faultstring>HostSystem:host-21 does not implement: RebootHost_Task</faultstring><detail><MethodNotFoundFault xmlns="urn:vim25" xsi:type="MethodNotFound"><receiver type="HostSystem">host-21</receiver><method>RebootHost_Task</method></MethodNotFoundFault></detail>', 'HostSystem:host-21 does not implement: RebootHost_Task'],
    // The detail element is named after the type, so a missing xsi:type still tells it.
    ['InvalidState', 'ServerFaultCode', '<faultstring>The operation is not allowed in the current state.</faultstring><detail><InvalidStateFault xmlns="urn:vim25"/></detail>', 'The operation is not allowed in the current state.'],
    // A fault of the SOAP layer itself has no vim25 detail: its faultcode names it.
    ['Client', 'soapenv:Client', '<faultstring>Unable to parse the request</faultstring>', 'Unable to parse the request'],
  ])('reads a %s fault', (faultType, faultcode, inner, message) => {
    const outcome = decodeResponse(envelope(`<soapenv:Fault><faultcode>${faultcode}</faultcode>${inner}</soapenv:Fault>`), 'Any');
    expect(outcome).toEqual({ ok: false, fault: { faultType, message } });
  });

  it('refuses what is not a vim25 answer', () => {
    expect(() => decodeResponse(envelope('<LoginResponse xmlns="urn:vim25"/>'), 'Logout')).toThrow(VimValueError);
    expect(() => decodeResponse('<html><body>proxy error</body></html>', 'Logout')).toThrow(/not a SOAP 1.1 Envelope/);
    expect(() => decodeResponse(VCSIM_PROPERTIES.slice(0, 400), 'RetrievePropertiesEx')).toThrow(XmlError);
    expect(() => decodeResponse(`<!DOCTYPE x [<!ENTITY a "aaaa">]>${envelope('<LogoutResponse xmlns="urn:vim25"/>')}`, 'Logout')).toThrow(/DOCTYPE/);
  });
});

describe('fault classification', () => {
  it.each([
    ['InvalidLogin', 'authentication', false],
    ['NotAuthenticated', 'authentication', false],
    ['InvalidState', 'invalid-state', false],
    ['TaskInProgress', 'invalid-state', true],
    ['Timedout', 'timed-out', true],
    ['RequestCanceled', 'cancelled', false],
    ['NotSupported', 'not-supported', false],
    ['ManagedObjectNotFound', 'not-found', false],
    ['MethodNotFound', 'not-implemented', false],
    ['NotImplemented', 'not-implemented', false],
    ['InvalidArgument', 'invalid-argument', false],
    ['HostNotConnected', 'host-unreachable', true],
    ['DuplicateName', 'vsphere-fault', false],
  ] as const)('%s is %s (retryable: %s)', (faultType, category, retryable) => {
    const fault = new VsphereFault('Op', 'vc.lab:443', faultType, '');
    expect(fault).toMatchObject({ category, retryable, faultType });
    expect(fault.message).toMatch(new RegExp(`^Op on vc\\.lab:443 failed: ${faultType}`));
  });

  it('explains a NotAuthenticated fault that came without text', () => {
    expect(new VsphereFault('RetrievePropertiesEx', 'vc.lab:443', 'NotAuthenticated', '').message).toBe(
      'RetrievePropertiesEx on vc.lab:443 failed: NotAuthenticated: the session is not logged in (it may have expired or been terminated)',
    );
  });
});
