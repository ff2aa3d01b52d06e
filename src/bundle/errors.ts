/**
 * Why a file is not an offline bundle vibflow can install. Every message names the file and,
 * where one is to blame, the entry inside it (`metadata.zip!/vibs/drv.xml` for an entry of the
 * nested metadata zip), so an operator knows what to fix or ask the vendor for.
 */

export type BundleErrorKind =
  /** The file cannot be opened or read (missing, a directory, no permission, changed while read). */
  | 'unreadable'
  /** Not a zip file at all, or one cut short (its end of central directory record is missing). */
  | 'not-a-zip'
  /** A zip whose structure is broken: bad headers, an unsupported compression method or encryption. */
  | 'corrupt-zip'
  /** A single `.vib` (an `ar` archive) rather than an offline bundle. */
  | 'bare-vib'
  /** No index.xml, vendor-index.xml, metadata zip or vmware.xml where the depot chain names them. */
  | 'no-metadata'
  /** The metadata holds no VIB descriptor. */
  | 'no-vibs'
  /** An XML file of the bundle does not parse, or lacks a field vibflow needs (name, version, ...). */
  | 'bad-descriptor'
  /** vmware.xml names a VIB whose descriptor is not in the metadata. */
  | 'missing-descriptor'
  /** A descriptor's `.vib` file is not in the bundle. */
  | 'missing-vib'
  /** A `.vib` that is not an `ar` archive with a descriptor.xml, or whose descriptor disagrees with the metadata's. */
  | 'bad-vib'
  /** An entry name with `..`, an absolute path or a backslash, or a name given twice. */
  | 'unsafe-entry-name'
  /** Declared sizes that cannot be true: data past the end of the file, more than deflate can produce, sizes that differ from what is read or from the metadata. */
  | 'size-mismatch'
  /** An entry vibflow must read that is larger than it will decompress, or too many entries. */
  | 'too-large'
  /** A zip inside the metadata zip (zips nest deeper than an offline bundle ever does). */
  | 'too-deep'
  /** An entry whose bytes do not match its CRC-32. */
  | 'corrupt-entry';

export class BundleError extends Error {
  override readonly name = 'BundleError';

  constructor(
    readonly kind: BundleErrorKind,
    readonly file: string,
    readonly entry: string | null,
    detail: string,
  ) {
    super(`bundle ${file}${entry === null ? '' : `, entry ${entry}`}: ${detail}`);
  }
}
