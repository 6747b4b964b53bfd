import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ClassId,
  FRAME_END,
  FRAME_ERROR,
  FRAME_MIN_SIZE,
  FrameType,
  INTERNAL_ERROR,
  isHardError,
  NOT_IMPLEMENTED,
  PRECONDITION_FAILED,
  ProtocolError,
  ReplyCode,
  ReplyText,
  UNEXPECTED_FRAME,
} from '../../src/protocol/index.js';

describe('generated constants', () => {
  it('has the frame constants and class ids of AMQP 0-9-1', () => {
    expect(FrameType).toEqual({ METHOD: 1, HEADER: 2, BODY: 3, HEARTBEAT: 8 });
    expect(FRAME_END).toBe(0xce);
    expect(FRAME_MIN_SIZE).toBe(4096);
    expect(ClassId).toEqual({
      connection: 10,
      channel: 20,
      access: 30,
      exchange: 40,
      queue: 50,
      basic: 60,
      confirm: 85,
      tx: 90,
    });
  });

  it('has every reply code, its RabbitMQ text and its soft/hard class', () => {
    expect(Object.keys(ReplyCode)).toHaveLength(19);
    expect(ReplyCode.NOT_FOUND).toBe(404);
    expect(ReplyCode.INTERNAL_ERROR).toBe(541);
    for (const [name, code] of Object.entries(ReplyCode)) expect(ReplyText[code]).toBe(name);
    expect([200, 311, 312, 313, 403, 404, 405, 406].map(isHardError)).toEqual(Array(8).fill(false));
    expect([320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541].every(isHardError)).toBe(true);
    expect(isHardError(999)).toBe(true);
  });

  it('pins the codec error codes to the generated constants', () => {
    expect(FRAME_ERROR).toBe(ReplyCode.FRAME_ERROR);
    expect(UNEXPECTED_FRAME).toBe(ReplyCode.UNEXPECTED_FRAME);
    expect(NOT_IMPLEMENTED).toBe(ReplyCode.NOT_IMPLEMENTED);
    expect(PRECONDITION_FAILED).toBe(ReplyCode.PRECONDITION_FAILED);
    expect(INTERNAL_ERROR).toBe(ReplyCode.INTERNAL_ERROR);
    const e = new ProtocolError(404, 'x', 50, 10);
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.message, e.classId, e.methodId]).toEqual(['ProtocolError', 404, 'x', 50, 10]);
  });

  it('the committed generated file matches the generator', () => {
    const script = fileURLToPath(new URL('../../scripts/gen-protocol.mjs', import.meta.url));
    const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(out).toMatch(/up to date/);
  });
});
