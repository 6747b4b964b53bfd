/**
 * The broker's reason when it closes a connection during the opening handshake.
 *
 * A broker that refuses connection.open (unknown vhost: 530 NOT_ALLOWED "vhost 'dev' not found"; no
 * access to it) answers with connection.close. amqplib then fails with `Expected ConnectionOpenOk; got
 * <ConnectionClose channel:0>`, dropping the reply code and text. This module wraps amqplib's handshake
 * once (its Connection class, loaded by file path because the package exports only its entry points) to
 * keep the close's fields on the error: `code`, `replyText`, `classId`, `methodId`, so errors.ts maps it
 * like any other close.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface CloseFields {
  replyCode: number;
  replyText: string;
  classId: number;
  methodId: number;
}

interface Frame {
  id?: number;
  channel?: number;
  fields?: CloseFields;
}

type StepCallback = (err: Error | null, frame?: Frame) => void;

interface AmqplibConnection {
  step(cb: StepCallback): void;
  open(fields: unknown, cb: (err: Error | null, ok?: unknown) => void): void;
}

/** What a handshake error carries once this module is installed. */
export interface HandshakeCloseError extends Error {
  code: number;
  replyText: string;
  classId: number;
  methodId: number;
}

const lastClose = new WeakMap<object, CloseFields>();
let installed = false;

/** Installs the wrapper (idempotent). Called by Connection before its first connect. */
export function keepHandshakeCloseReasons(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('amqplib'));
  const { Connection } = require(join(root, 'lib', 'connection.js')) as {
    Connection: { prototype: AmqplibConnection };
  };
  const { ConnectionClose } = require(join(root, 'lib', 'defs.js')) as { ConnectionClose: number };
  const proto = Connection.prototype;
  const step = proto.step;
  const open = proto.open;
  if (typeof step !== 'function' || typeof open !== 'function') return;
  proto.step = function (this: AmqplibConnection, cb: StepCallback) {
    step.call(this, (err, frame) => {
      if (frame?.id === ConnectionClose && frame.channel === 0 && frame.fields) lastClose.set(this, frame.fields);
      cb(err, frame);
    });
  };
  proto.open = function (this: AmqplibConnection, fields, cb) {
    open.call(this, fields, (err, ok) => {
      const close = err ? lastClose.get(this) : undefined;
      if (err && close) {
        const e = err as HandshakeCloseError;
        e.code = close.replyCode;
        e.replyText = close.replyText;
        e.classId = close.classId;
        e.methodId = close.methodId;
        e.message = `Connection closed by the broker during open: ${close.replyCode} with message "${close.replyText}"`;
      }
      cb(err, ok);
    });
  };
}
