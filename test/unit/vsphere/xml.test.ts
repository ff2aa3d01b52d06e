/**
 * The vim25 XML reader on its own: what a well-formed document is, namespaces, text and
 * references, and arrays of primitives read from their items' texts (a certificate's xsd:byte
 * array is a thousand elements), checked against decodeValue and a real certificate.
 */
import { X509Certificate } from 'node:crypto';
import { makeHostCertificate } from '../../../src/simulator/certificates';
import { decodeResponse } from '../../../src/vsphere/envelope';
import { certificatePemOf, HOST_CERTIFICATE_PATH } from '../../../src/vsphere/hosts';
import { decodeRetrieveResult } from '../../../src/vsphere/propertyCollector';
import { decodeValue, VimObject } from '../../../src/vsphere/values';
import { leafTexts, parseXml, XmlError, XSI_NAMESPACE, type XmlElement } from '../../../src/vsphere/xml';

const XSI = `xmlns:xsi="${XSI_NAMESPACE}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"`;
const value = (inner: string, type: string) => decodeValue(parseXml(`<val ${XSI} xmlns="urn:vim25" xsi:type="${type}">${inner}</val>`));
const names = (element: XmlElement) => element.children.map((child) => `${child.name}=${child.text}`);

describe('arrays of primitives', () => {
  it('reads an xsd:byte array as signed numbers, in order', () => {
    const bytes = [45, 45, -61, 0, 127, -128, 10];
    expect(value(bytes.map((b) => `<byte>${b}</byte>`).join(''), 'ArrayOfByte')).toEqual(bytes);
  });

  it('reads an empty array, written open and closed or as an empty element', () => {
    expect(value('', 'ArrayOfByte')).toEqual([]);
    expect(decodeValue(parseXml(`<val ${XSI} xsi:type="ArrayOfByte"/>`))).toEqual([]);
    expect(value('', 'ArrayOfManagedObjectReference')).toEqual([]);
  });

  it('reads other primitive arrays from their texts, and items that carry their own type as values', () => {
    expect(value('<int>1</int><int> 2 </int><int>-3</int>', 'ArrayOfInt')).toEqual([1, 2, -3]);
    expect(value('<boolean>true</boolean><boolean>0</boolean>', 'ArrayOfBoolean')).toEqual([true, false]);
    expect(value('<string>a &amp; b</string><string></string><string>c</string>', 'ArrayOfString')).toEqual(['a & b', '', 'c']);
    expect(value('<int>1</int><int xsi:type="xsd:long">2</int>', 'ArrayOfInt')).toEqual([1, 2]);
    expect(value('<ManagedObjectReference type="HostSystem">host-1</ManagedObjectReference>', 'ArrayOfManagedObjectReference')).toEqual([{ type: 'HostSystem', value: 'host-1' }]);
  });

  it('refuses an item that is not a number, naming its type', () => {
    expect(() => value('<byte>45</byte><byte>x</byte>', 'ArrayOfByte')).toThrow(/xsd:byte value is "x", not a number/);
    expect(() => value('<byte>45</byte><byte></byte>', 'ArrayOfByte')).toThrow(/xsd:byte value is "", not a number/);
  });

  it('gives a certificate back byte for byte from a RetrievePropertiesEx answer as vcsim writes it', async () => {
    const { certPem, thumbprint } = await makeHostCertificate('esx-001', '127.0.0.1');
    const bytes = [...Buffer.from(certPem, 'latin1')].map((b) => (b > 127 ? b - 256 : b));
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>' +
      '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="HostSystem">host-18</obj><propSet><name>config.certificate</name>' +
      `<val xmlns:XMLSchema-instance="${XSI_NAMESPACE}" XMLSchema-instance:type="ArrayOfByte">${bytes.map((b) => `<byte>${b}</byte>`).join('')}</val>` +
      '</propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>';
    const outcome = decodeResponse(xml, 'RetrievePropertiesEx');
    if (!outcome.ok) throw new Error('unexpected fault');
    const [host] = decodeRetrieveResult(outcome.value).objects;
    if (!host) throw new Error('no object');
    expect(host.properties.get(HOST_CERTIFICATE_PATH)).toEqual(bytes);
    const pem = certificatePemOf(host);
    expect(pem).toBe(certPem);
    expect(new X509Certificate(pem as string).fingerprint256).toBe(thumbprint);
  });
});

describe('runs of plain leaves', () => {
  it('are elements like any other when read as children', () => {
    const root = parseXml('<r xmlns="urn:a"><b>1</b><b>2</b><b/></r>');
    expect(leafTexts(root)).toEqual(['1', '2', '']);
    expect(root.children.map((c) => [c.namespace, c.name, c.text, c.attributes.length, c.children.length])).toEqual([
      ['urn:a', 'b', '1', 0, 0],
      ['urn:a', 'b', '2', 0, 0],
      ['urn:a', 'b', '', 0, 0],
    ]);
    expect(root.children[0]?.resolve('x')).toEqual({ namespace: 'urn:a', name: 'x' });
    expect(leafTexts(root)).toEqual(['1', '2', '']); // still there after the elements were made
  });

  it('keep document order when another element breaks the run', () => {
    const root = parseXml('<r><b>1</b><b>2</b><c x="1"/><b>3</b><d>4</d></r>');
    expect(names(root)).toEqual(['b=1', 'b=2', 'c=', 'b=3', 'd=4']);
    expect(root.children[2]?.attributes).toEqual([{ namespace: null, name: 'x', value: '1' }]);
    expect(leafTexts(root)).toBeUndefined();
    expect(leafTexts(parseXml('<r><b>1</b><c>2</c></r>'))).toEqual(['1', '2']);
    expect(leafTexts(parseXml('<r><b>1</b><c><d/></c></r>'))).toBeUndefined();
  });

  it('read the same however an item is spelled: spaces in its tags, a longer name, references, an empty item', () => {
    const root = parseXml('<r><b>1</b><b >2</b ><bb>3</bb><b>4</b><b>&lt;&#65;</b><b></b><b/><b>5</b></r>');
    expect(names(root)).toEqual(['b=1', 'b=2', 'bb=3', 'b=4', 'b=<A', 'b=', 'b=', 'b=5']);
    expect(leafTexts(parseXml('<r><b>1</b><b >2</b ><b>&amp;</b><b/></r>'))).toEqual(['1', '2', '&', '']);
    expect(() => parseXml('<r><b>1</b><b>2</c></r>')).toThrow(/<\/c> closes <b>/);
    expect(() => parseXml('<r><b>1</b><b>2 & 3</b></r>')).toThrow(/"&" that starts no reference/);
  });

  it('resolve their prefix, and an undeclared one fails', () => {
    const root = parseXml('<r xmlns:p="urn:p"><p:b>1</p:b><p:b>2</p:b></r>');
    expect(root.children.map((c) => `${c.namespace} ${c.name}`)).toEqual(['urn:p b', 'urn:p b']);
    expect(() => parseXml('<r><q:b>1</q:b></r>')).toThrow(/prefix "q" of "q:b" is not declared/);
  });

  it('leave a leaf with its own declaration out of the run: its scope differs', () => {
    const root = parseXml('<r xmlns:p="urn:one"><b>1</b><b xmlns:p="urn:two">2</b></r>');
    expect(names(root)).toEqual(['b=1', 'b=2']);
    expect(root.children[0]?.resolve('p:x').namespace).toBe('urn:one');
    expect(root.children[1]?.resolve('p:x').namespace).toBe('urn:two');
  });

  it('make a data object with repeated fields as before', () => {
    const object = decodeValue(parseXml(`<val ${XSI} xsi:type="HostListSummary"><tag>a</tag><tag>b</tag><name>x</name></val>`)) as VimObject;
    expect(object.vimType).toBe('HostListSummary');
    expect(object.get('tag')).toEqual(['a', 'b']);
    expect(object.get('name')).toBe('x');
  });
});

describe('well-formed documents', () => {
  it('reads text, references, CDATA, comments and processing instructions', () => {
    const root = parseXml('\uFEFF<?xml version="1.0"?>\n<!-- before --><r a=\'1 &lt; 2\' b="&#x41;&#66;&quot;"><t>x &amp;&gt; y</t><c><![CDATA[<not> &amp; a tag]]></c><?pi data?><m>one<!-- no -->two</m></r>\n');
    expect(root.attributes.map((a) => `${a.name}=${a.value}`)).toEqual(['a=1 < 2', 'b=AB"']);
    expect(names(root)).toEqual(['t=x &> y', 'c=<not> &amp; a tag', 'm=onetwo']);
  });

  it('normalizes line ends in text and white space in attribute values', () => {
    const root = parseXml('<r a="x\ty\r\nz&#10;"><t>a\r\nb\rc</t></r>');
    expect(root.attributes[0]?.value).toBe('x y z\n');
    expect(root.children[0]?.text).toBe('a\nb\nc');
  });

  it('drops the white space between child elements, keeps it in a leaf', () => {
    const root = parseXml('<r>\n  <a> </a>\n  <b/>\n</r>');
    expect(root.text).toBe('');
    expect(names(root)).toEqual(['a= ', 'b=']);
  });

  it.each([
    ['<r><a></b></r>', /<\/b> closes <a>/],
    ['<r><a>', /<a> is not closed/],
    ['<r><a', /<a> is not closed/],
    ['<r a="1" a="2"/>', /attribute a repeated/],
    ['<r a=1/>', /attribute a of <r> is not quoted/],
    ['<r a/>', /attribute a of <r> has no value/],
    ['<r a="1"b="2"/>', /without space between them/],
    ['<r a="<"/>', /"<" in attribute a/],
    ['<r>&nbsp;</r>', /unknown entity &nbsp;/],
    ['<r>a & b</r>', /"&" that starts no reference/],
    ['<r>&#0;</r>', /not an XML character/],
    ['<r/>x', /text after the root element/],
    ['x<r/>', /text before the root element/],
    ['<r/><s/>', /a second root element/],
    ['</r>', /closes nothing/],
    ['<1r/>', /bad element name/],
    ['<r><![CDATA[x</r>', /CDATA section is not closed/],
    ['<r><!-- x</r>', /comment is not closed/],
    ['', /exactly one root element/],
    ['<!DOCTYPE r><r/>', /DOCTYPE/],
  ])('refuses %j', (xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlError);
    expect(() => parseXml(xml)).toThrow(message);
  });

  it('bounds the depth at 100 elements', () => {
    expect(parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`).name).toBe('a');
    expect(() => parseXml(`${'<a>'.repeat(101)}${'</a>'.repeat(101)}`)).toThrow(/nested deeper than 100/);
  });

  it('answers any mangled document with a tree or an XmlError, nothing else', () => {
    const sample = `<?xml version="1.0"?><e:Envelope xmlns:e="urn:e" ${XSI}><e:Body><R xmlns="urn:vim25"><v a="1" xsi:type="ArrayOfByte"><byte>45</byte><byte>-3</byte></v><t>&amp;<![CDATA[x]]><!-- c --></t><m type="Host">h-1</m></R></e:Body></e:Envelope>`;
    const pieces = ['<', '>', '/', '"', "'", '&', ';', '=', ':', ' ', 'a', '<!--', ']]>', '<![CDATA[', '&#', 'xmlns:q="u"', ''];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      let xml = sample;
      for (let k = 1 + random(3); k > 0; k--) {
        const at = random(xml.length);
        xml = xml.slice(0, at) + (pieces[random(pieces.length)] as string) + xml.slice(at + random(3));
      }
      try {
        parseXml(xml);
        parsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(XmlError);
      }
    }
    expect(parsed).toBeGreaterThan(0);
  });

  it('says on which line the document went wrong', () => {
    expect(() => parseXml('<r>\n<a>\n</b></r>')).toThrow(/\(line 3\)/);
  });
});
