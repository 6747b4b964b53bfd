/** Record framing of the disk store: checksums, torn tails versus corruption. */
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Fallback } from '../../src/broker/store/crc32.js';
import {
  CorruptRecordError,
  decodeMessageRecord,
  decodeRefRecord,
  encodeMessageRecord,
  encodeRefRecord,
  MAGIC_SIZE,
  messageRecordSize,
  RecordType,
  SEGMENT_MAGIC,
  scanRecords,
  writeMessageRecord,
} from '../../src/broker/store/record-codec.js';

function segment(records: Buffer[]): Buffer {
  return Buffer.concat([SEGMENT_MAGIC, ...records]);
}

function message(body: string, queueIds = [1]): Buffer {
  const { parts } = encodeMessageRecord({
    publishedAt: 1_700_000_000_123,
    queueIds,
    exchange: 'ex',
    routingKey: 'rk.é',
    headerPayload: Buffer.from([0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, body.length, 0, 0]),
    body: Buffer.from(body),
  });
  return Buffer.concat(parts);
}

describe('crc32', () => {
  it('matches the table-driven fallback and the standard check value', () => {
    expect(crc32Fallback(Buffer.from('123456789'))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 50 }), (a, b) => {
        expect(crc32(b, crc32(a))).toBe(crc32Fallback(b, crc32Fallback(a)));
        expect(crc32Fallback(Buffer.concat([a, b]))).toBe(crc32Fallback(b, crc32Fallback(a)));
      }),
    );
  });

  it('uses node:zlib crc32 when this Node has it', () => {
    const native = (zlib as unknown as { crc32?: unknown }).crc32;
    if (typeof native === 'function') expect(crc32).toBe(native);
    else expect(crc32).toBe(crc32Fallback);
  });
});

describe('record codec', () => {
  it('round-trips message and reference records', () => {
    const buf = segment([message('hello', [3, 7]), encodeRefRecord(RecordType.ack, 3, 8)]);
    const r = scanRecords(buf, SEGMENT_MAGIC, 'f');
    expect(r.torn).toBeUndefined();
    expect(r.validLength).toBe(buf.length);
    expect(r.records.map((x) => x.type)).toEqual([RecordType.message, RecordType.ack]);
    const m = decodeMessageRecord((r.records[0] as { payload: Buffer }).payload);
    expect(m).toMatchObject({ publishedAt: 1_700_000_000_123, queueIds: [3, 7], exchange: 'ex', routingKey: 'rk.é' });
    expect(m.body.toString()).toBe('hello');
    expect(decodeRefRecord((r.records[1] as { payload: Buffer }).payload)).toEqual({ queueId: 3, offset: 8 });
  });

  it('drops a record cut anywhere in the tail as torn, keeping the whole ones before it', () => {
    const a = message('first');
    const b = message('second record');
    const full = segment([a, b]);
    for (let cut = MAGIC_SIZE + a.length + 1; cut < full.length; cut++) {
      const r = scanRecords(full.subarray(0, cut), SEGMENT_MAGIC, 'f');
      expect(r.records).toHaveLength(1);
      expect(r.validLength).toBe(MAGIC_SIZE + a.length);
      expect(r.torn?.offset).toBe(MAGIC_SIZE + a.length);
    }
  });

  it('treats a bad checksum in the last record, or one followed only by zeros, as torn', () => {
    const a = message('first');
    const b = message('second');
    const bad = segment([a, b]);
    bad[bad.length - 1] ^= 0xff;
    expect(scanRecords(bad, SEGMENT_MAGIC, 'f').torn?.offset).toBe(MAGIC_SIZE + a.length);
    const zeroTail = Buffer.concat([bad, Buffer.alloc(4096)]);
    expect(scanRecords(zeroTail, SEGMENT_MAGIC, 'f').records).toHaveLength(1);
  });

  it('refuses a bad record in the middle, naming the file and offset', () => {
    const a = message('first');
    const buf = segment([a, message('second'), message('third')]);
    buf[MAGIC_SIZE + a.length - 2] ^= 0x01;
    expect(() => scanRecords(buf, SEGMENT_MAGIC, '/d/00000001.msg')).toThrow(CorruptRecordError);
    expect(() => scanRecords(buf, SEGMENT_MAGIC, '/d/00000001.msg')).toThrow(
      /corrupt record in \/d\/00000001\.msg at offset 8: checksum mismatch/,
    );
  });

  it('refuses a bad file header and an unknown record type', () => {
    expect(() => scanRecords(Buffer.from('NOTMAGIC'), SEGMENT_MAGIC, 'f')).toThrow(/bad file header/);
    const buf = segment([message('a'), message('b')]);
    buf[MAGIC_SIZE + 4] = 99;
    expect(() => scanRecords(buf, SEGMENT_MAGIC, 'f')).toThrow(/at offset 8: bad record header/);
  });

  it('writes a record in place byte for byte as the parts encoder does', () => {
    fc.assert(
      fc.property(
        fc.record({
          publishedAt: fc.integer({ min: 0, max: 2 ** 45 }),
          queueIds: fc.array(fc.integer({ min: 1, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 5 }),
          exchange: fc.string({ maxLength: 40 }),
          routingKey: fc.string({ unit: 'grapheme', maxLength: 40 }),
          headerPayload: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
          body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        }),
        fc.integer({ min: 0, max: 16 }),
        (m, at) => {
          const expected = Buffer.concat(encodeMessageRecord(m).parts);
          const size = messageRecordSize(m);
          expect(size).toBe(expected.length);
          const buf = Buffer.alloc(at + size + 3, 0xee);
          writeMessageRecord(buf, at, size, m);
          expect(buf.subarray(at, at + size)).toEqual(expected);
          expect(buf.subarray(at + size)).toEqual(Buffer.alloc(3, 0xee));
        },
      ),
    );
  });
});
