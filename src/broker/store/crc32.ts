/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial). node:zlib has `crc32` from
 * Node 20.15 / 22.2; older Node 20 releases use the table-driven fallback,
 * which gives the same values.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** Table-driven CRC-32; `value` continues a previous checksum. Exported for tests. */
export function crc32Fallback(data: Uint8Array, value = 0): number {
  if (table === undefined) table = makeTable();
  const t = table;
  let c = ~value >>> 0;
  for (let i = 0; i < data.length; i++) c = (t[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

export const crc32: Crc32 = native ?? crc32Fallback;
