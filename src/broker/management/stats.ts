/**
 * Rates for message_stats: every object's counters are sampled on a fixed
 * interval (RabbitMQ's collect_statistics_interval, 5 s by default) and a
 * rate is the change between the last two samples per second. Counts are
 * read live; only the `*_details.rate` values come from the samples.
 *
 * Queue counters are also folded into node-wide totals when a queue is
 * deleted, so /api/overview keeps counting what deleted queues did (as
 * RabbitMQ's overview does); a queue created and deleted between two samples
 * is not seen.
 */

import type { Queue } from '../queue.js';
import type { ManagementHost } from './host.js';
import { queueCounters, queueDepth, type Rates } from './json.js';

interface Sample {
  at: number;
  values: Record<string, number>;
  rates: Rates;
}

export const DEFAULT_SAMPLE_INTERVAL_MS = 5000;

export class StatsSampler {
  private readonly samples = new WeakMap<object, Sample>();
  private readonly known = new Set<Queue>();
  private readonly retired: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly broker: ManagementHost,
    readonly intervalMs = DEFAULT_SAMPLE_INTERVAL_MS,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample of every queue, exchange, connection and the node totals. */
  tick(now = Date.now()): void {
    try {
      for (const v of this.broker.vhosts.values()) {
        for (const q of v.queues.values()) this.record(q, { ...queueCounters(q), ...queueDepth(q) }, now);
        for (const x of v.exchanges.values()) {
          this.record(x, { publish_in: x.stats.publishIn, publish_out: x.stats.publishOut }, now);
        }
      }
      for (const c of this.broker.connections) {
        this.record(c, { recv_oct: c.stats.recvOct, send_oct: c.stats.sendOct }, now);
      }
      this.record(this.broker, this.totals(), now);
    } catch (e) {
      this.broker.log('warn', `management statistics sample failed: ${(e as Error).message}`);
    }
  }

  private record(obj: object, values: Record<string, number>, now: number): void {
    const prev = this.samples.get(obj);
    const rates: Rates = {};
    if (prev !== undefined && now > prev.at) {
      const secs = (now - prev.at) / 1000;
      for (const [k, v] of Object.entries(values)) {
        rates[k] = Math.round(((v - (prev.values[k] ?? 0)) / secs) * 10) / 10;
      }
    }
    this.samples.set(obj, { at: now, values, rates });
  }

  /** The rates of an object from its last two samples (empty before the second sample). */
  rates(obj: object): Rates | undefined {
    return this.samples.get(obj)?.rates;
  }

  /** Node-wide message counters: queue counters of live and deleted queues, publishes as the channels counted them. */
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
    return sum;
  }
}
