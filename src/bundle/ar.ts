/**
 * The `ar` archive a `.vib` is: `!<arch>\n`, then per member a 60-byte header (name, mtime, uid,
 * gid, mode, size, "`\n") and its data padded to an even length. Members are read from the head
 * of the file only, so a VIB's payloads are never read. Names come as ESXi's tools write them
 * (space padded), as GNU ar writes them (a trailing `/`) or as BSD ar does (`#1/<length>`, the name
 * ahead of the data).
 */

export const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
const HEADER_BYTES = 60;
const HEADER_END = '`\n';

export interface ArMember {
  readonly name: string;
  /** Where the member's data starts in the archive. */
  readonly dataStart: number;
  readonly size: number;
}

/** Not an ar archive, or one whose headers cannot be right; the caller names the file. */
export class ArProblem extends Error {}

export function isAr(head: Buffer): boolean {
  return head.length >= AR_MAGIC.length && head.subarray(0, AR_MAGIC.length).equals(AR_MAGIC);
}

/**
 * The members whose headers lie inside `head`, the first bytes of an archive of `total` bytes;
 * listing stops at the first header that does not.
 */
export function arMembers(head: Buffer, total: number): ArMember[] {
  if (!isAr(head)) throw new ArProblem('is not an ar archive (no !<arch> magic); a .vib is one');
  const members: ArMember[] = [];
  let at = AR_MAGIC.length;
  while (at + HEADER_BYTES <= head.length && at < total) {
    const header = head.subarray(at, at + HEADER_BYTES).toString('latin1');
    if (header.slice(58, 60) !== HEADER_END) throw new ArProblem(`has a broken member header at byte ${at}`);
    const sizeField = header.slice(48, 58).trim();
    if (!/^\d+$/.test(sizeField)) throw new ArProblem(`has a member header at byte ${at} whose size is ${JSON.stringify(sizeField)}`);
    let size = Number(sizeField);
    let dataStart = at + HEADER_BYTES;
    let name = header.slice(0, 16).trimEnd();
    const bsd = /^#1\/(\d+)$/.exec(name);
    if (bsd) {
      const length = Number(bsd[1]);
      if (length > size || dataStart + length > head.length) throw new ArProblem(`has a member name at byte ${at} that does not fit`);
      name = head.subarray(dataStart, dataStart + length).toString('latin1').replace(/\0+$/, '');
      dataStart += length;
      size -= length;
    } else if (name.endsWith('/') && name !== '/' && name !== '//') {
      name = name.slice(0, -1);
    }
    if (dataStart + size > total) throw new ArProblem(`has member ${JSON.stringify(name)} running past the end of the file`);
    members.push({ name, dataStart, size });
    at = dataStart + size + ((dataStart + size) % 2);
  }
  return members;
}
