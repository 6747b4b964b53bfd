/**
 * Qpid's federation trace (docs/federation.md "Dynamic routes and loops"): a message forwarded by a
 * federation link carries `x-qpid.trace`, the comma-separated federation ids of the brokers it has
 * passed (as qpid-cpp's `x-qpid.trace`). A link drops a message whose trace already holds its own
 * broker's id: it has come round a ring of routes.
 */
import type { BasicProperties } from '../../protocol/index.js';

export const TRACE_HEADER = 'x-qpid.trace';

/**
 * A list of federation ids as one string: comma-separated, with `%` and `,` inside an id escaped
 * (`%25`, `%2C`) so that any id is safe (Qpid's, which have neither, read the same).
 */
export function joinIds(ids: readonly string[]): string {
  return ids.map((id) => id.replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
}

/** The ids of a list written by joinIds. */
export function splitIds(text: string): string[] {
  return text
    .split(',')
    .filter((id) => id !== '')
    .map((id) => id.replace(/%2C/gi, ',').replace(/%25/g, '%'));
}

/** The ids in a message's trace (none when it has no trace header). */
export function traceOf(properties: BasicProperties): string[] {
  const v = properties.headers?.[TRACE_HEADER];
  return splitIds(typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : '');
}

/** The properties with `ids` appended to the trace (each id once). */
export function withTrace(
  properties: BasicProperties,
  trace: readonly string[],
  ids: readonly string[],
): BasicProperties {
  const all = [...trace];
  for (const id of ids) if (!all.includes(id)) all.push(id);
  return { ...properties, headers: { ...properties.headers, [TRACE_HEADER]: joinIds(all) } };
}
