/**
 * What the JSON builders need from the statistics (`Rates`, `details`), and
 * the sample windows of a management request, RabbitMQ's query parameters
 * (rabbit_mgmt_util:range): `lengths_age`/`lengths_incr` for queue depths,
 * `msg_rates_age`/`msg_rates_incr` for message_stats, `data_rates_age`/
 * `data_rates_incr` for connection bytes; ages and increments in seconds.
 */
/** One sample of a counter, as RabbitMQ's `samples` lists them. */
export type Sample = { sample: number; timestamp: number };

/** A `*_details` object: `{rate}`, plus `samples`, `avg_rate` and `avg` for a windowed request. */
export type Details = { rate: number; samples?: Sample[]; avg_rate?: number; avg?: number };

/** One object's statistics as a request sees them: its current rates and, when a window was asked for, samples. */
export interface Rates {
  /** Per-second change of `key` between the last two samples (0 before the second sample). */
  rate(key: string): number;
  /** `{rate}`, plus `samples`, `avg_rate` and `avg` when the request asked for a window covering `key`. */
  details(key: string): Details;
}

/** `{rate: 0}` for an object without statistics. */
export function details(rates: Rates | undefined, key: string): Details {
  return rates === undefined ? { rate: 0 } : rates.details(key);
}

export interface SampleWindow {
  ageMs: number;
  incrMs: number;
}

export interface Windows {
  lengths?: SampleWindow;
  msgRates?: SampleWindow;
  dataRates?: SampleWindow;
}

/** Keys whose samples follow `lengths_*` (the rest of message_stats follows `msg_rates_*`). */
const LENGTH_KEYS = new Set(['messages', 'messages_ready', 'messages_unacknowledged']);
const DATA_KEYS = new Set(['recv_oct', 'send_oct']);

/** At most this many samples per key and request, so a silly `age` cannot build a huge reply. */
export const MAX_SAMPLES_PER_KEY = 1000;

function window(query: URLSearchParams, prefix: string): SampleWindow | undefined {
  const age = Number(query.get(`${prefix}_age`));
  const incr = Number(query.get(`${prefix}_incr`));
  if (!(age > 0) || !(incr > 0) || !Number.isFinite(age) || !Number.isFinite(incr)) return undefined;
  return { ageMs: Math.min(age, incr * (MAX_SAMPLES_PER_KEY - 1)) * 1000, incrMs: incr * 1000 };
}

export function parseWindows(query: URLSearchParams | undefined): Windows {
  if (query === undefined) return {};
  const out: Windows = {};
  const lengths = window(query, 'lengths');
  const msgRates = window(query, 'msg_rates');
  const dataRates = window(query, 'data_rates');
  if (lengths) out.lengths = lengths;
  if (msgRates) out.msgRates = msgRates;
  if (dataRates) out.dataRates = dataRates;
  return out;
}

export function windowFor(w: Windows, key: string): SampleWindow | undefined {
  if (LENGTH_KEYS.has(key)) return w.lengths;
  if (DATA_KEYS.has(key)) return w.dataRates;
  return w.msgRates;
}
