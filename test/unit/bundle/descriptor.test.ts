/**
 * VIB descriptors as public build scripts and VMware's tools write them: any indentation, any
 * element order, empty elements either way, a declaration or none, comments and CDATA. The
 * descriptors below are written in the shapes those scripts produce (vibauthor-style indented,
 * one-line string concatenation, VMware's template without <type> or a version attribute).
 */
import { parseDescriptor } from '../../../src/bundle';
import { bulletinVibIds, metadataUrls, resolveInside, vendorIndexFiles } from '../../../src/bundle/depot';
import { XmlProblem } from '../../../src/bundle/xml';

const INDENTED = `<vib version="5.0">
  <type>bootbank</type>
  <name>acme-letsencrypt</name>
  <version>1.2.0-0.0.0</version>
  <vendor>acme</vendor>
  <summary>Let's Encrypt for ESXi</summary>
  <description>Certificates for the host client</description>
  <release-date>2024-05-01T10:00:00+00:00</release-date>
  <urls>
    <url key="project">https://example.invalid/acme</url>
  </urls>
  <relationships>
    <depends/>
    <conflicts/>
    <replaces/>
    <provides/>
    <compatibleWith/>
  </relationships>
  <software-tags/>
  <system-requires>
    <maintenance-mode>false</maintenance-mode>
  </system-requires>
  <file-list>
    <file>opt/acme/renew.sh</file>
  </file-list>
  <acceptance-level>community</acceptance-level>
  <live-install-allowed>true</live-install-allowed>
  <live-remove-allowed>true</live-remove-allowed>
  <cimom-restart>false</cimom-restart>
  <stateless-ready>true</stateless-ready>
  <overlay>false</overlay>
  <payloads>
    <payload name="payload1" type="vgz"></payload>
  </payloads>
</vib>
`;

const ONE_LINE =
  '<vib version="5.0"><type>bootbank</type><name>fp-panel</name><version>0.3-1</version><vendor>xs</vendor>' +
  '<summary>front panel</summary><description></description><release-date>2025-01-01</release-date><urls></urls>' +
  '<relationships><depends><constraint name="vmkapi_2_0_0_0"/></depends><conflicts/><replaces/><provides/><compatibleWith/></relationships>' +
  '<software-tags><tag>driver</tag></software-tags><system-requires><maintenance-mode>true</maintenance-mode></system-requires>' +
  '<file-list><file>usr/lib/vmware/fp</file></file-list><acceptance-level>partner</acceptance-level>' +
  '<live-install-allowed>false</live-install-allowed><live-remove-allowed>false</live-remove-allowed><cimon-restart>false</cimon-restart>' +
  '<stateless-ready>true</stateless-ready><overlay>false</overlay><payloads><payload name="fp" type="tgz" size="10">' +
  '<checksum checksum-type="sha-256">00</checksum></payload></payloads></vib>';

/** VMware's template shape: no <type> and no version attribute, comments throughout. */
const TEMPLATE = `<!-- Template for a VIB descriptor.xml -->
<vib>
   <!-- The VIB package name -->
   <name>cpu-microcode</name>
   <version>6.0.0-1.test.0</version>
   <vendor>test</vendor>
   <summary>Microcode</summary>
   <acceptance-level>certified</acceptance-level>
</vib>`;

/** Other order, tabs, CRLF, CDATA, values on their own lines, esximage's install attribute. */
const SHUFFLED =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<vib version = "5.0" >\r\n' +
  '\t<live-install-allowed>\r\n\t\tTrue\r\n\t</live-install-allowed>\r\n' +
  '\t<acceptance-level> accepted </acceptance-level>\r\n' +
  '\t<system-requires>\r\n\t\t<swPlatform productLineID="embeddedEsx" version="8.0.*"/>\r\n' +
  '\t\t<maintenance-mode install="false" remove="true">true</maintenance-mode>\r\n\t</system-requires>\r\n' +
  '\t<vendor><![CDATA[Mellanox]]></vendor>\r\n\t<summary><![CDATA[a & b <c>]]></summary>\r\n' +
  '\t<version>\r\n\t\t4.23.0.66-1OEM.800.1.0.20143090\r\n\t</version>\r\n' +
  '\t<name>nmlx5-core</name>\r\n\t<type>bootbank</type>\r\n</vib>\r\n';

describe('parseDescriptor', () => {
  it('reads an indented descriptor', () => {
    expect(parseDescriptor(INDENTED)).toEqual({
      id: 'acme_bootbank_acme-letsencrypt_1.2.0-0.0.0', name: 'acme-letsencrypt', version: '1.2.0-0.0.0', vendor: 'acme',
      type: 'bootbank', acceptanceLevel: 'community', maintenanceMode: false, liveInstallAllowed: true,
    });
  });

  it('reads a one-line descriptor', () => {
    expect(parseDescriptor(ONE_LINE)).toMatchObject({ id: 'xs_bootbank_fp-panel_0.3-1', acceptanceLevel: 'partner', maintenanceMode: true, liveInstallAllowed: false });
  });

  it('reads elements in another order, with CRLF, tabs, CDATA, a declaration and values on their own lines', () => {
    expect(parseDescriptor(SHUFFLED)).toEqual({
      id: 'Mellanox_bootbank_nmlx5-core_4.23.0.66-1OEM.800.1.0.20143090', name: 'nmlx5-core', version: '4.23.0.66-1OEM.800.1.0.20143090',
      vendor: 'Mellanox', type: 'bootbank', acceptanceLevel: 'accepted',
      // install="false" is what counts for installing; the element's text is for removal too.
      maintenanceMode: false, liveInstallAllowed: true,
    });
  });

  it("takes ESXi's defaults for what a descriptor leaves out: bootbank, maintenance mode, a reboot", () => {
    expect(parseDescriptor(TEMPLATE)).toEqual({
      id: 'test_bootbank_cpu-microcode_6.0.0-1.test.0', name: 'cpu-microcode', version: '6.0.0-1.test.0', vendor: 'test',
      type: 'bootbank', acceptanceLevel: 'certified', maintenanceMode: true, liveInstallAllowed: false,
    });
  });

  it("reads a metadata copy's relative path and packed size", () => {
    const metadata = INDENTED.replace('</vib>', '<relative-path>vib20/acme-letsencrypt/acme.vib</relative-path><packed-size>4096</packed-size><checksum checksum-type="sha-256">ab</checksum></vib>');
    expect(parseDescriptor(metadata)).toMatchObject({ relativePath: 'vib20/acme-letsencrypt/acme.vib', packedSize: 4096 });
  });

  it.each([
    ['no name', INDENTED.replace(/<name>.*<\/name>/, ''), /has no <name>/],
    ['an empty version', INDENTED.replace(/<version>.*<\/version>/, '<version>  </version>'), /has no <version> \(or an empty one\)/],
    ['no vendor', INDENTED.replace(/<vendor>.*<\/vendor>/, ''), /has no <vendor>/],
    ['no acceptance level', INDENTED.replace(/<acceptance-level>.*<\/acceptance-level>/, ''), /has no <acceptance-level>/],
    ["esxcli's name for a level", INDENTED.replace('>community<', '>VMwareAccepted<'), /"VMwareAccepted"; expected one of certified, accepted, partner, community \(VMwareAccepted is how esxcli shows "accepted"/],
    ['a level that does not exist', INDENTED.replace('>community<', '>trusted<'), /<acceptance-level> is "trusted"/],
    ['a boolean that is not one', INDENTED.replace('<live-install-allowed>true', '<live-install-allowed>sometimes'), /<live-install-allowed> is "sometimes"; expected true or false/],
    ['two names', INDENTED.replace('<name>', '<name>other</name><name>'), /<name> appears 2 times in vib/],
    ['another root', '<bulletin><id>x</id></bulletin>', /root element is <bulletin>, not <vib>/],
    ['an unclosed tag', INDENTED.slice(0, 200), /does not parse as XML/],
    ['a DOCTYPE', `<!DOCTYPE vib [<!ENTITY a "aaaa">]>${INDENTED}`, /has a <!DOCTYPE>/],
    ['nothing at all', '', /root element is missing|does not parse/],
  ])('refuses a descriptor with %s', (_case, text, message) => {
    expect(() => parseDescriptor(text)).toThrow(XmlProblem);
    expect(() => parseDescriptor(text)).toThrow(message);
  });
});

describe('the depot chain', () => {
  it('index.xml names vendor indexes, under their relative path', () => {
    const index = '<vendorList><vendor><name>A</name><indexfile>vendor-index.xml</indexfile><relativePath></relativePath></vendor>' +
      '<vendor><indexfile>b-index.xml</indexfile><relativePath>b/</relativePath></vendor></vendorList>';
    expect(vendorIndexFiles(index)).toEqual(['vendor-index.xml', 'b/b-index.xml']);
  });

  it('the vendor index names each metadata zip once, however many ESXi versions list it', () => {
    const index = '<metaList><metadata><version>7.0.0</version><url>m.zip</url></metadata><metadata><version>8.0.0</version><url>m.zip</url></metadata></metaList>';
    expect(metadataUrls(index)).toEqual(['m.zip']);
  });

  it("vmware.xml's bulletins name VIBs as esximage writes them and as vib2zip does", () => {
    const xml = '<metadataResponse><version>3.0</version>' +
      '<bulletin><id>b1</id><vibList><vibID>V_bootbank_a_1</vibID><vibID>V_bootbank_b_1</vibID></vibList></bulletin>' +
      '<bulletin><id>b2</id><vibList><vib><vibVersion>1.4.5</vibVersion><vibID>V_bootbank_c_2</vibID><name>c</name></vib></vibList></bulletin>' +
      '</metadataResponse>';
    expect(bulletinVibIds(xml)).toEqual(['V_bootbank_a_1', 'V_bootbank_b_1', 'V_bootbank_c_2']);
  });

  it.each([
    ['index.xml', 'vendor-index.xml', { path: 'vendor-index.xml' }],
    ['b/index.xml', 'metadata.zip', { path: 'b/metadata.zip' }],
    ['b/index.xml', '../metadata.zip', { path: 'metadata.zip' }],
    ['index.xml', '../metadata.zip', { outside: '../metadata.zip' }],
    ['index.xml', '/etc/passwd', { outside: '/etc/passwd' }],
    ['index.xml', 'https://depot.example/metadata.zip', { outside: 'https://depot.example/metadata.zip' }],
  ])('from %s, %s resolves to %j', (from, reference, expected) => {
    expect(resolveInside(from, reference)).toEqual(expected);
  });
});
