/**
 * Differential tests against amqplib's own generated codec (lib/defs.js and
 * lib/codec.js, loaded by path because the package's `exports` hide lib/):
 * both sides encode the same methods, properties and tables and must produce
 * the same bytes, and each decodes the other's output.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BasicProperties, FieldTable, FieldValue, MethodInput, MethodName } from '../../src/protocol/index.js';
import {
  decodeBasicProperties,
  decodeContentHeader,
  decodeFieldTable,
  decodeMethod,
  encodeBasicProperties,
  encodeContentHeaderPayload,
  encodeFieldTable,
  encodeMethodFrame,
  METHODS,
  Typed,
} from '../../src/protocol/index.js';
import { anyMethod, canonicalTable, METHOD_NAMES, shortstr } from './arbitraries.js';

const LIB = fileURLToPath(new URL('../../node_modules/amqplib/lib/', import.meta.url));
const require = createRequire(import.meta.url);

interface AmqplibDefs {
  encodeMethod(id: number, channel: number, fields: Record<string, unknown>): Buffer;
  decode(id: number, buf: Buffer): Record<string, unknown>;
  encodeProperties(id: number, channel: number, size: number, fields: Record<string, unknown>): Buffer;
  info(id: number): { name: string; args: { name: string; type: string }[] };
}
interface AmqplibCodec {
  encodeTable(buf: Buffer, val: unknown, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
}

const defs = require(`${LIB}defs.js`) as AmqplibDefs;
const codec = require(`${LIB}codec.js`) as AmqplibCodec;

/** Our field value → amqplib's encoder input ({'!': type, value} for explicit types). */
function toAmqplibInput(v: FieldValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || Buffer.isBuffer(v)) return v;
  // canonical plain numbers are int32 ('I') or not safe integers ('d')
  if (typeof v === 'number') return { '!': Number.isSafeInteger(v) ? 'int32' : 'double', value: v };
  if (v instanceof Date) return { '!': 'timestamp', value: v.getTime() / 1000 };
  if (v instanceof Typed) {
    if (v.type === 'decimal') {
      const d = v.value as { scale: number; value: number };
      return { '!': 'decimal', value: { places: d.scale, digits: d.value } };
    }
    return { '!': v.type, value: v.value };
  }
  if (Array.isArray(v)) return v.map(toAmqplibInput);
  return mapTable(v as FieldTable, toAmqplibInput);
}

/** Our field value → what amqplib's decoder returns for the same bytes. */
function toAmqplibDecoded(v: FieldValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || Buffer.isBuffer(v)) return v;
  if (typeof v === 'number') return v;
  if (v instanceof Date) return { '!': 'timestamp', value: v.getTime() / 1000 };
  if (v instanceof Typed) {
    if (v.type === 'decimal') {
      const d = v.value as { scale: number; value: number };
      return { '!': 'decimal', value: { places: d.scale, digits: d.value } };
    }
    if (v.type === 'timestamp') return { '!': 'timestamp', value: Number(v.value) };
    return Number(v.value);
  }
  if (Array.isArray(v)) return v.map(toAmqplibDecoded);
  return mapTable(v as FieldTable, toAmqplibDecoded);
}

function mapTable(t: FieldTable, f: (v: FieldValue) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(t)) out[k] = f(t[k]);
  return out;
}

/** amqplib's NaN payloads and ours compare equal as numbers but not as decoded values with toEqual. */
const noNaN = (t: FieldTable) =>
  !JSON.stringify(t, (_k, x) => (Number.isNaN(x) ? '__NaN__' : typeof x === 'bigint' ? String(x) : x)).includes(
    '__NaN__',
  );

const tables = canonicalTable.filter(noNaN);

/** Method args with their tables made explicit for amqplib. */
function argsForAmqplib(name: MethodName, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of METHODS[name].args) {
    out[a.name] = a.type === 'table' ? toAmqplibInput(args[a.name] as FieldTable) : args[a.name];
  }
  return out;
}

function normalizeDecoded(name: MethodName, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of METHODS[name].args) {
    out[a.name] = a.type === 'table' ? toAmqplibDecoded(args[a.name] as FieldTable) : args[a.name];
  }
  return out;
}

const idOf = (name: MethodName) => METHODS[name].classId * 0x10000 + METHODS[name].methodId;

const methodsForAmqplib = anyMethod.filter(({ args }) =>
  Object.values(args).every((v) => typeof v !== 'object' || v === null || Buffer.isBuffer(v) || noNaN(v as FieldTable)),
);

describe('amqplib differential', () => {
  it('finds amqplib 2.x generated codec', () => {
    expect(existsSync(`${LIB}defs.js`)).toBe(true);
  });

  it('agrees on every method id and argument name', () => {
    for (const name of METHOD_NAMES) {
      const info = defs.info(idOf(name));
      expect(info.args.map((a) => a.name)).toEqual(METHODS[name].args.map((a) => a.name));
    }
  });

  it('encodes every method to the same bytes, and each decodes the other', () => {
    fc.assert(
      fc.property(methodsForAmqplib, fc.integer({ min: 0, max: 0xffff }), ({ name, args }, channel) => {
        const ours = encodeMethodFrame(channel, name, args as MethodInput<MethodName>);
        const theirs = defs.encodeMethod(idOf(name), channel, argsForAmqplib(name, args));
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
        // amqplib's bytes through our decoder
        expect(decodeMethod(theirs.subarray(7, theirs.length - 1)).args).toEqual(args);
        // our bytes through amqplib's decoder
        const decoded = defs.decode(idOf(name), ours.subarray(11, ours.length - 1));
        expect(decoded).toEqual(normalizeDecoded(name, args));
      }),
      { numRuns: 1500 },
    );
  });

  it('encodes field tables of every tag to the same bytes', () => {
    fc.assert(
      fc.property(tables, (t) => {
        const table = t as FieldTable;
        const ours = encodeFieldTable(table);
        const scratch = Buffer.alloc(ours.length + 64);
        const n = codec.encodeTable(scratch, toAmqplibInput(table), 0);
        expect(scratch.subarray(0, n).toString('hex')).toBe(ours.toString('hex'));
        expect(codec.decodeFields(ours.subarray(4))).toEqual(toAmqplibDecoded(table));
        expect(decodeFieldTable(scratch.subarray(0, n), 0).value).toEqual(table);
      }),
      { numRuns: 1000 },
    );
  });

  const properties: fc.Arbitrary<BasicProperties> = fc.record(
    {
      contentType: shortstr,
      contentEncoding: shortstr,
      headers: tables,
      deliveryMode: fc.integer({ min: 0, max: 255 }),
      priority: fc.integer({ min: 0, max: 255 }),
      correlationId: shortstr,
      replyTo: shortstr,
      expiration: shortstr,
      messageId: shortstr,
      timestamp: fc.maxSafeInteger().map(Math.abs),
      type: shortstr,
      userId: shortstr,
      appId: shortstr,
      clusterId: shortstr,
    },
    { requiredKeys: [] },
  );

  it('encodes content headers to the same bytes, and each decodes the other', () => {
    fc.assert(
      fc.property(properties, fc.maxSafeInteger().map(Math.abs), fc.integer({ min: 0, max: 0xffff }), (p, size, ch) => {
        const theirsProps = p.headers === undefined ? p : { ...p, headers: toAmqplibInput(p.headers) };
        const theirs = defs.encodeProperties(60, ch, size, theirsProps as Record<string, unknown>);
        const ours = encodeContentHeaderPayload(60, size, p);
        expect(theirs.subarray(7, theirs.length - 1).toString('hex')).toBe(ours.toString('hex'));
        expect(decodeContentHeader(theirs.subarray(7, theirs.length - 1))).toEqual({
          classId: 60,
          weight: 0,
          bodySize: size,
          properties: p,
        });
        expect(decodeBasicProperties(ours, 12, ours.length)).toEqual(p);
        expect(encodeBasicProperties(p)).toEqual(ours.subarray(12));
      }),
      { numRuns: 1000 },
    );
  });
});
