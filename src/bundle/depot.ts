/**
 * The depot chain of an offline bundle, as ESXi follows it: index.xml lists vendors and names
 * each vendor's index file; the vendor index (vendor-index.xml) names the metadata zips; each
 * metadata zip holds vmware.xml, whose bulletins (components) name their VIBs by id. ESXi 7.0
 * and later add base images, add-ons, hardware support manifests and solutions beside the
 * bulletins (baseimages/, addons/, manifests/, solutions/); they name VIBs through components
 * too, so the VIBs and their descriptors are read the same way.
 */
import path from 'node:path/posix';
import { parseXml, textOf, XmlProblem } from './xml';

/** A path that an index names, resolved inside the bundle; a problem when it leaves it. */
export type Resolved = { readonly path: string } | { readonly outside: string };

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** `reference` relative to the directory of `from` (both bundle entry names). */
export function resolveInside(from: string, reference: string): Resolved {
  if (URL_SCHEME.test(reference) || reference.startsWith('/')) return { outside: reference };
  const joined = path.normalize(path.join(path.dirname(from), reference));
  if (joined === '..' || joined.startsWith('../')) return { outside: reference };
  return { path: joined };
}

/** index.xml: the vendor index files, relative to the bundle's root. */
export function vendorIndexFiles(text: string): string[] {
  const list = parseXml(text, 'vendorList');
  const vendors = list.all('vendor');
  if (vendors.length === 0) throw new XmlProblem('lists no <vendor>');
  return vendors.map((vendor) => {
    const file = textOf(vendor, 'indexfile');
    if (file === undefined) throw new XmlProblem('has a <vendor> without an <indexfile>');
    const dir = textOf(vendor, 'relativePath');
    return dir === undefined ? file : `${dir.replace(/\/*$/, '')}/${file}`;
  });
}

/** vendor-index.xml: the metadata zips, as written (relative to the vendor index). */
export function metadataUrls(text: string): string[] {
  const list = parseXml(text, 'metaList');
  const urls = list.all('metadata').map((metadata) => {
    const url = textOf(metadata, 'url');
    if (url === undefined) throw new XmlProblem('has a <metadata> without a <url>');
    return url;
  });
  if (urls.length === 0) throw new XmlProblem('lists no <metadata>');
  // One zip is often listed once per ESXi version it supports.
  return [...new Set(urls)];
}

/**
 * vmware.xml: the ids of the VIBs its bulletins name. esximage writes `<vibList><vibID>`;
 * older tools (vib2zip) write `<vibList><vib><vibID>` with the VIB's fields beside the id.
 */
export function bulletinVibIds(text: string): string[] {
  const response = parseXml(text, 'metadataResponse');
  const ids = new Set<string>();
  for (const bulletin of response.all('bulletin')) {
    for (const list of bulletin.all('vibList')) {
      for (const id of [...list.all('vibID'), ...list.all('vib').flatMap((vib) => vib.all('vibID'))]) {
        if (id.text) ids.add(id.text);
      }
    }
  }
  return [...ids];
}
