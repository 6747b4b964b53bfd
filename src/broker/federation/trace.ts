/**
 * Qpid's federation trace (docs/federation.md "Dynamic routes and loops"): a message forwarded by a
 * federation link carries `x-qpid.trace`, the comma-separated federation ids of the brokers it has
 * passed (as qpid-cpp's `x-qpid.trace`). A link drops a message whose trace already holds its own
 * broker's id: it has come round a ring of routes.
 */
import type { BasicProperties } from '../../protocol/index.js';

export const TRACE_HEADER = 'x-qpid.trace';

/** The ids in a message's trace (none when it has no trace header). */
export function traceOf(properties: BasicProperties): string[] {
  const v = properties.headers?.[TRACE_HEADER];
  const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : '';
  return text.split(',').filter((id) => id !== '');
}

/** The properties with `ids` appended to the trace (each id once). */
export function withTrace(
  properties: BasicProperties,
  trace: readonly string[],
  ids: readonly string[],
): BasicProperties {
  const all = [...trace];
  for (const id of ids) if (!all.includes(id)) all.push(id);
  return { ...properties, headers: { ...properties.headers, [TRACE_HEADER]: all.join(',') } };
}
