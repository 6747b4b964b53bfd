/**
 * Statistics for message_stats: a periodic sampler of the integer counters
 * the broker already keeps (queue, exchange, channel, connection and node
 * totals), so the hot path pays one integer increment per event and nothing
 * else. Every `intervalMs` (RabbitMQ's collect_statistics_interval, 5 s by
 * default) the sampler copies each object's counters into a fixed-size ring
 * of Float64Array slots; a rate is the change between the last two samples
 * per second, and a request with RabbitMQ's `?lengths_age=&lengths_incr=`,
 * `msg_rates_age=&msg_rates_incr=` or `data_rates_age=&data_rates_incr=`
 * gets `samples`, `avg` and `avg_rate` read from the ring
 * (rabbit_mgmt_stats:format_range).
 *
 * Objects whose counters are all zero get no ring until they see traffic, so
 * 10k idle queues cost nothing. Queue counters are folded into node totals
 * when a queue is deleted, so /api/overview keeps counting what deleted
 * queues did (as RabbitMQ's overview does); a queue created and deleted
 * between two samples is not seen.
 */
import type { Channel } from '../channel.js';
import type { ClientConnection } from '../client-connection.js';
import type { Exchange } from '../exchange.js';
import type { Queue, QueueStats } from '../queue.js';
import type { ManagementHost } from './host.js';
import { queueCounters, queueDepth } from './json.js';
import { parseWindows, type Rates, type Sample, type SampleWindow, type Windows, windowFor } from './rates.js';

export type { Rates } from './rates.js';

/** The statistics as one request sees them (its query's sample windows applied). */
export interface StatsView {
  rates(obj: object): Rates | undefined;
  totals(): Record<string, number>;
}

export const DEFAULT_SAMPLE_INTERVAL_MS = 5000;
/** Samples kept per object: 5 minutes at the default interval, the console charts' window (about 5 KiB per active queue). */
export const DEFAULT_HISTORY = 61;

const QUEUE_KEYS = [
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'publish',
  'deliver',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'deliver_get',
  'ack',
  'redeliver',
] as const;
const EXCHANGE_KEYS = ['publish_in', 'publish_out'] as const;
const CONNECTION_KEYS = ['recv_oct', 'send_oct'] as const;
export const CHANNEL_KEYS = [
  'publish',
  'confirm',
  'return_unroutable',
  'deliver',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'deliver_get',
  'ack',
  'redeliver',
] as const;
const NODE_KEYS = [
  'ack',
  'confirm',
  'deliver',
  'deliver_get',
  'deliver_no_ack',
  'get',
  'get_no_ack',
  'publish',
  'redeliver',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
] as const;

/** One object's ring: `keys.length` values per tick, written at slot `tick % capacity`. */
class History {
  readonly values: Float64Array;
  constructor(
    readonly keys: readonly string[],
    readonly capacity: number,
    /** Ticks before this one read as zero: the object was idle (all zero) or did not exist. */
    readonly firstTick: number,
  ) {
    this.values = new Float64Array(capacity * keys.length);
  }
}

/** Stands for an object that never had traffic: every value at every tick is 0. */
const IDLE = new History([], 1, Number.POSITIVE_INFINITY);

/** Reads an object's counters into `out` (in `keys` order) without allocating. */
type Reader<T> = (obj: T, out: Float64Array) => void;

/** The delivery counters queues and channels share (a channel counts them as a queue does). */
type DeliveryStats = Omit<QueueStats, 'publish'>;

/** Writes deliver, deliver_no_ack, get, get_no_ack, deliver_get, ack, redeliver (their order in both key lists) from `at` on. */
function readDeliveries(s: DeliveryStats, out: Float64Array, at: number): void {
  out[at] = s.deliver;
  out[at + 1] = s.deliverNoAck;
  out[at + 2] = s.get;
  out[at + 3] = s.getNoAck;
  out[at + 4] = s.deliver + s.deliverNoAck + s.get + s.getNoAck;
  out[at + 5] = s.ack;
  out[at + 6] = s.redeliver;
}

const readQueue: Reader<Queue> = (q, out) => {
  const s = q.stats;
  const ready = q.messageCount;
  out[0] = ready + q.unacked;
  out[1] = ready;
  out[2] = q.unacked;
  out[3] = s.publish;
  readDeliveries(s, out, 4);
};

const readExchange: Reader<Exchange> = (x, out) => {
  out[0] = x.stats.publishIn;
  out[1] = x.stats.publishOut;
};

const readConnection: Reader<ClientConnection> = (c, out) => {
  out[0] = c.stats.recvOct;
  out[1] = c.stats.sendOct;
};

const readChannel: Reader<Channel> = (ch, out) => {
  const s = ch.stats;
  out[0] = s.publish;
  out[1] = s.confirm;
  out[2] = s.returnUnroutable;
  readDeliveries(s, out, 3);
};

/** The message_stats counters of a channel, RabbitMQ's names. */
export function channelCounters(ch: Channel): Record<string, number> {
  const v = new Float64Array(CHANNEL_KEYS.length);
  readChannel(ch, v);
  const out: Record<string, number> = {};
  CHANNEL_KEYS.forEach((k, i) => {
    out[k] = v[i] as number;
  });
  return out;
}

export class StatsSampler {
  private readonly histories = new WeakMap<object, History>();
  private readonly known = new Set<Queue>();
  private readonly retired: Record<string, number> = {};
  private readonly scratch = new Float64Array(32);
  /** Wall-clock time of each tick, at slot `tick % capacity`. */
  private readonly times: Float64Array;
  private tickNo = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: ManagementHost,
    readonly intervalMs = DEFAULT_SAMPLE_INTERVAL_MS,
    readonly capacity = DEFAULT_HISTORY,
  ) {
    this.times = new Float64Array(capacity);
  }

  /** Starts sampling; an interval of 0 turns statistics off (rates stay 0). */
  start(): void {
    if (this.intervalMs <= 0) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample of every queue, exchange, connection, channel and the node totals. */
  tick(now = Date.now()): void {
    try {
      this.tickNo++;
      this.times[this.tickNo % this.capacity] = now;
      for (const v of this.broker.vhosts.values()) {
        for (const q of v.queues.values()) this.record(q, QUEUE_KEYS, readQueue);
        for (const x of v.exchanges.values()) this.record(x, EXCHANGE_KEYS, readExchange);
      }
      for (const c of this.broker.connections) {
        this.record(c, CONNECTION_KEYS, readConnection);
        for (const ch of c.channels.values()) this.record(ch, CHANNEL_KEYS, readChannel);
      }
      const totals = { ...this.totals(), ...this.depthTotals() };
      this.record(this.broker, NODE_KEYS, (_b, out) => {
        NODE_KEYS.forEach((k, i) => {
          out[i] = totals[k] ?? 0;
        });
      });
    } catch (e) {
      this.broker.log('warn', `management statistics sample failed: ${(e as Error).message}`);
    }
  }

  private record<T extends object>(obj: T, keys: readonly string[], read: Reader<T>): void {
    const out = this.scratch;
    read(obj, out);
    let h = this.histories.get(obj);
    if (h === undefined) {
      let idle = true;
      for (let i = 0; i < keys.length; i++) if (out[i] !== 0) idle = false;
      if (idle) return;
      h = new History(keys, this.capacity, this.tickNo);
      this.histories.set(obj, h);
    }
    h.values.set(out.subarray(0, keys.length), (this.tickNo % this.capacity) * keys.length);
  }

  /** The statistics with the sample windows of a request's query (`lengths_age`, `msg_rates_age`, ...). */
  view(query?: URLSearchParams): StatsView {
    const windows = parseWindows(query);
    return { rates: (obj) => this.ratesOf(obj, windows), totals: () => this.totals() };
  }

  /** The rates of an object (undefined when it has never seen traffic: every rate is 0). */
  rates(obj: object): Rates | undefined {
    return this.ratesOf(obj, {});
  }

  private ratesOf(obj: object, windows: Windows): Rates | undefined {
    // Without history every sample is 0; only a request for samples needs them spelled out.
    const h = this.histories.get(obj) ?? (Object.keys(windows).length > 0 ? IDLE : undefined);
    if (h === undefined) return undefined;
    return {
      rate: (key) => this.rate(h, key),
      details: (key) => {
        const w = windowFor(windows, key);
        const rate = this.rate(h, key);
        return w === undefined ? { rate } : { rate, ...this.range(h, key, w) };
      },
    };
  }

  /** The value of `key` at tick `t` (0 before the object's first sample). */
  private valueAt(h: History, k: number, t: number): number {
    if (t < h.firstTick || t < 0) return 0;
    return h.values[(t % this.capacity) * h.keys.length + k] as number;
  }

  private rate(h: History, key: string): number {
    const k = h.keys.indexOf(key);
    const t = this.tickNo;
    if (k < 0 || t < 1) return 0;
    const secs = ((this.times[t % this.capacity] as number) - (this.times[(t - 1) % this.capacity] as number)) / 1000;
    if (!(secs > 0)) return 0;
    return Math.round(((this.valueAt(h, k, t) - this.valueAt(h, k, t - 1)) / secs) * 10) / 10;
  }

  /**
   * RabbitMQ's samples for a window (rabbit_mgmt_stats:format_range): newest
   * first, at multiples of `incr` back over `age`, each the last sampled value
   * at or before its timestamp; avg_rate is the change over the window per
   * second, avg the mean sample.
   */
  private range(h: History, key: string, w: SampleWindow): { avg: number; avg_rate: number; samples: Sample[] } {
    if (this.tickNo < 0) return { avg: 0, avg_rate: 0, samples: [] };
    const k = h.keys.indexOf(key);
    const samples: Sample[] = [];
    const oldest = Math.max(0, this.tickNo - this.capacity + 1);
    let t = this.tickNo;
    const newest = Math.floor((this.times[t % this.capacity] as number) / w.incrMs) * w.incrMs;
    const n = Math.floor(w.ageMs / w.incrMs) + 1;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const at = newest - i * w.incrMs;
      while (t > oldest && (this.times[t % this.capacity] as number) > at) t--;
      // Before the first tick nothing was counted yet.
      const value = t < 0 || (this.times[t % this.capacity] as number) > at || k < 0 ? 0 : this.valueAt(h, k, t);
      samples.push({ sample: value, timestamp: at });
      sum += value;
    }
    const first = samples[samples.length - 1]?.sample ?? 0;
    const last = samples[0]?.sample ?? 0;
    const spanSecs = ((n - 1) * w.incrMs) / 1000;
    return { avg: n > 0 ? sum / n : 0, avg_rate: spanSecs > 0 ? (last - first) / spanSecs : 0, samples };
  }

  /** Node-wide counters: queue counters of live and deleted queues, publishes and confirms as channels counted them, and depth. */
  totals(): Record<string, number> {
    for (const v of this.broker.vhosts.values()) for (const q of v.queues.values()) this.known.add(q);
    // Every counter is present (zero) even before the first queue exists, as in RabbitMQ's overview.
    const zero = { ack: 0, deliver: 0, deliver_get: 0, deliver_no_ack: 0, get: 0, get_no_ack: 0, redeliver: 0 };
    const sum: Record<string, number> = { ...zero, ...this.retired };
    for (const q of [...this.known]) {
      const c = queueCounters(q);
      if (q.deleted) {
        this.known.delete(q);
        for (const [k, n] of Object.entries(c)) this.retired[k] = (this.retired[k] ?? 0) + n;
      }
      for (const [k, n] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + n;
    }
    delete sum['get_empty'];
    sum['publish'] = this.broker.stats.publish;
    sum['confirm'] = this.broker.stats.confirm;
    return sum;
  }

  /** Node-wide queue depth for the overview's queue_totals (and its samples). */
  depthTotals(): Record<string, number> {
    const d = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
    for (const v of this.broker.vhosts.values()) {
      for (const q of v.queues.values()) {
        const x = queueDepth(q);
        d.messages += x.messages;
        d.messages_ready += x.messages_ready;
        d.messages_unacknowledged += x.messages_unacknowledged;
      }
    }
    return d;
  }
}
