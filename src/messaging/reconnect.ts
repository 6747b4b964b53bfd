/**
 * Reconnect policy ([py] driver, docs/qpid-reference.md §2.2): the host list is the URL's brokers plus
 * `reconnectUrls`; within one pass each next host is tried at once; after a failed pass wait `delay`,
 * then `delay = min(2 × delay, max)`. `reconnectLimit` counts passes (≤ 0 or undefined = unlimited),
 * `reconnectTimeout` bounds the total time. Success resets the delay.
 */

export interface ReconnectPolicy {
  readonly enabled: boolean;
  /** Seconds. */
  readonly intervalMin: number;
  /** Seconds. */
  readonly intervalMax: number;
  /** Passes over the host list; undefined = unlimited. */
  readonly limit: number | undefined;
  /** Seconds; undefined = forever. */
  readonly timeout: number | undefined;
}

export interface ReconnectSettings {
  reconnect?: boolean;
  reconnectTimeout?: number;
  reconnectLimit?: number;
  reconnectInterval?: number;
  reconnectIntervalMin?: number;
  reconnectIntervalMax?: number;
}

/** [py] defaults: min 1 s, max 120 s; `reconnectInterval` sets both. */
export function reconnectPolicy(o: ReconnectSettings): ReconnectPolicy {
  const min = o.reconnectIntervalMin ?? o.reconnectInterval ?? 1;
  const max = Math.max(min, o.reconnectIntervalMax ?? o.reconnectInterval ?? 120);
  return {
    enabled: o.reconnect === true,
    intervalMin: min,
    intervalMax: max,
    limit: o.reconnectLimit !== undefined && o.reconnectLimit > 0 ? o.reconnectLimit : undefined,
    timeout: o.reconnectTimeout,
  };
}

/** One connection attempt's target, in the order they should be tried, with the delay before it (s). */
export interface Attempt<T> {
  readonly target: T;
  readonly delay: number;
  readonly pass: number;
}

/**
 * The attempts a reconnect makes, lazily: hosts in order, no delay inside a pass, a doubling delay
 * between passes. Ends when the pass limit is reached (the caller enforces `timeout`).
 */
export function* attempts<T>(targets: readonly T[], policy: ReconnectPolicy, firstDelay = 0): Generator<Attempt<T>> {
  let delay = policy.intervalMin;
  for (let pass = 1; policy.limit === undefined || pass <= policy.limit; pass++) {
    for (let i = 0; i < targets.length; i++) {
      const wait = i > 0 ? 0 : pass === 1 ? firstDelay : delay;
      yield { target: targets[i] as T, delay: wait, pass };
    }
    if (pass > 1) delay = Math.min(delay * 2, policy.intervalMax);
  }
}

/**
 * Channel recoveries a sender or receiver attempts in a row (without progress) before it fails with
 * LinkClosed: a broker that keeps closing the link's channel for the same reason must not loop.
 */
export const MAX_LINK_RECOVERIES = 3;
