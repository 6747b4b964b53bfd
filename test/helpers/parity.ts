// Parity harness: run ONE scenario against the bundled broker and against
// RabbitMQ 3.10 and require both to answer the same.
//
//   describeParity('queue.declare', () => {
//     parityTest('passive declare of a missing queue closes the channel with 404', async (url, ctx) =>
//       withConnection(url, async (conn) => {
//         const ch = await conn.createChannel();
//         const closed = channelCloseOf(ch);
//         const declared = await attempt(() => ch.checkQueue(ctx.name('missing')));
//         return { declared, closed: await closed };
//       }),
//     );
//   });
//
// - The scenario gets an AMQP URL and returns what it observed (reply codes,
//   bodies, counts): plain data, compared with toEqual. Returning undefined is
//   an error, so a scenario cannot pass without observing anything.
// - RabbitMQ runs first (it is the reference), then the bundled broker.
// - ctx.name(prefix) gives the same unique name on both brokers, so names may
//   appear in results; RabbitMQ is shared by parallel test files, hence unique.
// - Broker lifetime: inside describeParity one bundled broker (startTestBroker)
//   serves the whole block (beforeAll/afterAll); a parityTest outside one
//   starts and stops its own broker.
// - With RABBITMQ_URL, every parityTest also checks RabbitMQ's answer against
//   the one recorded in test/interop/expectations/<file>.json (a stale or
//   missing entry fails: re-record). Without RABBITMQ_URL (local runs) only the
//   bundled broker runs and is compared with that recorded answer (and with
//   options.expected when given), so a run without RabbitMQ still checks parity.
//   Record (deterministic; see parity-expectations.ts):
//     PARITY_RECORD=1 RABBITMQ_URL=... npx vitest run test/interop
//   In CI, rabbitmq.ts refuses to load without RABBITMQ_URL, so CI always
//   compares against the live RabbitMQ too.
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { normalizeObserved, recordedAnswers } from './parity-expectations.js';
import { rabbitmqUrl, uniqueName } from './rabbitmq.js';

export type BrokerKind = 'bundled' | 'rabbitmq';

export interface ScenarioContext {
  /** Which broker this run talks to; use it only for diagnostics, never to branch. */
  readonly broker: BrokerKind;
  /** `prefix-<unique>`; the same string for the same prefix on both brokers within one parityTest. */
  name(prefix?: string): string;
}

export type Scenario<T> = (url: string, ctx: ScenarioContext) => Promise<T>;

export interface ParityOptions<T> {
  /** Test timeout covering both runs (default 30 s); each run gets 45% of it. */
  timeoutMs?: number;
  /** Checked against RabbitMQ's result (when configured) and the bundled one. */
  expected?: T;
  /** Passed to startTestBroker when this test starts its own broker. */
  brokerOptions?: BrokerOptions;
}

/** How a channel or connection was closed, or why an operation failed. */
export interface CloseInfo {
  /** AMQP reply code (404, 406, 530, ...); null for socket errors and client-initiated closes. */
  code: number | null;
  classId: number | null;
  methodId: number | null;
  /** The reply text up to " - " (RabbitMQ's `NOT_FOUND - no queue ...` → `NOT_FOUND`). */
  textPrefix: string | null;
}

export type Outcome<T> = { ok: T } | { error: CloseInfo };

type TestBroker = Awaited<ReturnType<typeof import('./broker.js').startTestBroker>>;
/** Whatever startTestBroker accepts (see ./broker.ts). */
export type BrokerOptions = Parameters<typeof import('./broker.js').startTestBroker>[0];

// Loaded on first use, so the error-description helpers below also work in
// files that never start a bundled broker.
async function startBundled(options: BrokerOptions | undefined): Promise<TestBroker> {
  const { startTestBroker } = await import('./broker.js');
  return startTestBroker(options);
}

interface BrokerSlot {
  broker: TestBroker | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;

// Set while a describeParity body is being collected, so parityTest can find its broker.
let collectingSlot: BrokerSlot | undefined;

/** `describe` with one bundled broker for every parityTest inside it. */
export function describeParity(name: string, fn: () => void, brokerOptions?: BrokerOptions): void {
  describe(name, () => {
    const slot: BrokerSlot = { broker: undefined };
    beforeAll(async () => {
      slot.broker = await startBundled(brokerOptions);
    });
    afterAll(async () => {
      await slot.broker?.stop();
      slot.broker = undefined;
    });
    const outer = collectingSlot;
    collectingSlot = slot;
    try {
      fn();
    } finally {
      collectingSlot = outer;
    }
  });
}

/** One parity test: same scenario against RabbitMQ and the bundled broker, results must be equal. */
export function parityTest<T>(name: string, scenario: Scenario<T>, options: number | ParityOptions<T> = {}): void {
  const opts: ParityOptions<T> = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const slot = collectingSlot;
  const hasExpected = Object.hasOwn(opts, 'expected');
  test(
    name,
    async () => {
      const { bundled, rabbitmq, suffix } = await runParityWithSuffix(scenario, {
        bundledUrl: slot?.broker?.url,
        brokerOptions: opts.brokerOptions,
        runTimeoutMs: Math.floor(timeoutMs * 0.45),
      });
      const recorded = recordedAnswers();
      if (rabbitmq.ran) {
        if (hasExpected) expect(rabbitmq.result, 'RabbitMQ disagrees with `expected`').toEqual(opts.expected);
        expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbitmq.result);
        recorded.observe(normalizeObserved(rabbitmq.result, suffix));
      } else {
        if (hasExpected) {
          expect(bundled, 'bundled broker vs `expected` (RabbitMQ not configured)').toEqual(opts.expected);
        }
        expect(
          normalizeObserved(bundled, suffix),
          `bundled broker vs RabbitMQ's answer recorded in ${recorded.file}`,
        ).toEqual(recorded.expected());
      }
    },
    timeoutMs,
  );
}

/**
 * Runs the scenario against RabbitMQ (when configured) and the bundled broker
 * and returns both results, for tests that compare in their own way.
 */
export async function runParity<T>(
  scenario: Scenario<T>,
  options: RunOptions = {},
): Promise<{ bundled: T; rabbitmq: { ran: true; result: T } | { ran: false } }> {
  const { bundled, rabbitmq } = await runParityWithSuffix(scenario, options);
  return { bundled, rabbitmq };
}

interface RunOptions {
  bundledUrl?: string | undefined;
  brokerOptions?: BrokerOptions | undefined;
  runTimeoutMs?: number;
}

async function runParityWithSuffix<T>(
  scenario: Scenario<T>,
  options: RunOptions,
): Promise<{ bundled: T; rabbitmq: { ran: true; result: T } | { ran: false }; suffix: string }> {
  const runTimeoutMs = options.runTimeoutMs ?? Math.floor(DEFAULT_TIMEOUT_MS * 0.45);
  const suffix = uniqueName('p').slice(2);
  const ctxFor = (broker: BrokerKind): ScenarioContext => ({
    broker,
    name: (prefix = 'parity') => `${prefix}-${suffix}`,
  });

  let rabbitmq: { ran: true; result: T } | { ran: false } = { ran: false };
  if (rabbitmqUrl) {
    rabbitmq = { ran: true, result: await runOne('rabbitmq', rabbitmqUrl, scenario, ctxFor('rabbitmq'), runTimeoutMs) };
  }

  let bundled: T;
  if (options.bundledUrl) {
    bundled = await runOne('bundled', options.bundledUrl, scenario, ctxFor('bundled'), runTimeoutMs);
  } else {
    const broker = await startBundled(options.brokerOptions);
    try {
      bundled = await runOne('bundled', broker.url, scenario, ctxFor('bundled'), runTimeoutMs);
    } finally {
      await broker.stop();
    }
  }
  return { bundled, rabbitmq, suffix };
}

async function runOne<T>(
  kind: BrokerKind,
  url: string,
  scenario: Scenario<T>,
  ctx: ScenarioContext,
  timeoutMs: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`[${kind}] scenario did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([scenario(url, ctx), timeout]);
    if (result === undefined) throw new Error(`[${kind}] scenario returned undefined: return what it observed`);
    // PARITY_LOG=1 prints what each broker observed: the quickest way to read RabbitMQ's answers.
    if (process.env['PARITY_LOG'])
      console.log(`[${kind}] ${expect.getState().currentTestName}\n${JSON.stringify(result)}`);
    return result;
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(`[${kind}]`)) throw err;
    throw new Error(`[${kind}] scenario threw: ${describeError(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// Describing what the server answered, the same way for both brokers.

const CLOSE_TEXT = /(\d{3}) \([A-Z-]+\) with message "([\s\S]*)"$/;

/** The server's reply text from an amqplib error (`NOT_FOUND - no queue 'q' in vhost '/'`), or null. */
export function replyText(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  return CLOSE_TEXT.exec(err.message)?.[2] ?? null;
}

/**
 * Code, class/method and text prefix from an amqplib error: a rejected
 * operation (`Operation failed: QueueDeclare; 404 ...`), a channel or
 * connection 'error'/'close' event, or a refused handshake (amqplib puts
 * the code only in the message there).
 */
export function closeReason(err: unknown): CloseInfo {
  if (!(err instanceof Error)) return { code: null, classId: null, methodId: null, textPrefix: String(err) };
  const e = err as Error & { code?: unknown; classId?: unknown; methodId?: unknown };
  const match = CLOSE_TEXT.exec(err.message);
  const code = typeof e.code === 'number' ? e.code : match ? Number(match[1]) : null;
  if (code === null) {
    // Not an AMQP close: a socket error (code 'ECONNRESET') or an amqplib usage error.
    return { code: null, classId: null, methodId: null, textPrefix: typeof e.code === 'string' ? e.code : err.name };
  }
  return {
    code,
    classId: typeof e.classId === 'number' ? e.classId : null,
    methodId: typeof e.methodId === 'number' ? e.methodId : null,
    textPrefix: match ? textPrefixOf(match[2]!) : null,
  };
}

function textPrefixOf(text: string): string {
  const i = text.indexOf(' - ');
  return i === -1 ? text : text.slice(0, i);
}

/** `{ ok: value }` or `{ error: closeReason(err) }`, so a failure becomes data to compare. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { error: closeReason(err) };
  }
}

/**
 * Resolves when the channel closes: with the server's channel.close when it
 * closed it, `code: null` when the client or the connection closed it.
 * Attaches an 'error' listener, so a server close does not crash the test.
 */
export function channelCloseOf(ch: Channel): Promise<CloseInfo> {
  return new Promise((resolve) => {
    let reason: CloseInfo | undefined;
    ch.on('error', (err: Error) => {
      reason = closeReason(err);
    });
    ch.once('close', () => resolve(reason ?? { code: null, classId: null, methodId: null, textPrefix: null }));
  });
}

const CONNECTION_CLOSE = (10 << 16) | 50;

interface RawFrame {
  id?: number;
  fields?: { replyCode: number; replyText: string; classId: number; methodId: number };
}

/**
 * Resolves when the connection closes. A server connection.close yields its
 * code, class/method (read off the frame: amqplib drops them from the error)
 * and text prefix; a socket error yields `code: null` and the errno code.
 */
export function connectionCloseOf(conn: ChannelModel): Promise<CloseInfo> {
  let frame: RawFrame['fields'];
  // amqplib's Connection dispatches channel-0 frames to channels[0].channel.accept.
  const raw = (
    conn as unknown as { connection?: { channels?: ({ channel: { accept(f: RawFrame): unknown } } | null)[] } }
  ).connection;
  const ch0 = raw?.channels?.[0]?.channel;
  if (ch0) {
    const accept = ch0.accept.bind(ch0);
    ch0.accept = (f: RawFrame) => {
      if (f?.id === CONNECTION_CLOSE) frame = f.fields;
      return accept(f);
    };
  }
  return new Promise((resolve) => {
    conn.on('error', () => {});
    conn.once('close', (err?: Error) => {
      if (frame) {
        resolve({
          code: frame.replyCode,
          classId: frame.classId,
          methodId: frame.methodId,
          textPrefix: textPrefixOf(frame.replyText),
        });
      } else if (err) {
        resolve(closeReason(err));
      } else {
        resolve({ code: null, classId: null, methodId: null, textPrefix: null });
      }
    });
  });
}

/** Connects, runs fn, and always closes the connection (ignoring errors from an already closed one). */
export async function withConnection<T>(url: string, fn: (conn: ChannelModel) => Promise<T>): Promise<T> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const info = closeReason(err);
    return info.code === null ? err.message : `${err.message} (${JSON.stringify(info)})`;
  }
  return String(err);
}
