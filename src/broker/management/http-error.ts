/** HTTP answers of the management API, with RabbitMQ's `{error, reason}` bodies for errors. */
import { ChannelException, ConnectionException } from '../errors.js';
import type { Json } from './json.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: Json,
  ) {
    super(typeof reason === 'string' ? reason : JSON.stringify(reason));
  }
}

export interface Reply {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

export const ok = (body: Json): Reply => ({ status: 200, body });
export const noContent: Reply = { status: 204 };
export const notFoundError = () => new HttpError(404, 'Object Not Found', 'Not Found');
export const badRequest = (reason: Json) => new HttpError(400, 'bad_request', reason);

/** Runs a broker operation, turning its AMQP error into RabbitMQ's HTTP answer. */
export function brokerOp<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ChannelException || e instanceof ConnectionException) {
      const detail = stripCode(e.message);
      if (e.code === 404) throw new HttpError(404, 'not_found', detail);
      // rabbit_mgmt_util turns access_refused into 401 "Access refused.".
      if (e.code === 403) throw new HttpError(401, 'not_authorised', 'Access refused.');
      throw badRequest(detail);
    }
    throw e;
  }
}

function stripCode(message: string): string {
  const i = message.indexOf(' - ');
  return i >= 0 && /^[A-Z_]+$/.test(message.slice(0, i)) ? message.slice(i + 3) : message;
}
