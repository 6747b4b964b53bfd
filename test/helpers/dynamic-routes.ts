// Helpers of the dynamic-route tests (test/broker/federation-*.test.ts): define a dynamic route on a
// bundled broker, find its link, read a broker's bindings, wait for a condition.
import amqp, { type Channel } from 'amqplib';
import type { FieldTable } from '../../src/protocol/index.js';
import type { TestBroker } from './broker.js';

/** Waits until `probe` holds (the test's outcome is what is asserted after, not how long it took). */
export async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The bindings of `queue` on `exchange` of a bundled broker's vhost '/', as key + arguments. */
export function bindingsOf(b: TestBroker, exchange: string, queue: string): { key: string; args: FieldTable }[] {
  const x = b.broker.vhosts.get('/')?.exchanges.get(exchange);
  return [...(x?.router.entries() ?? [])]
    .filter((e) => 'messageCount' in e.destination && e.destination.name === queue)
    .map((e) => ({ key: e.bindingKey, args: e.args }));
}

/**
 * A dynamic route on `dest` pulling from `src`'s durable queue `bridge` (declared here, as qpid-route
 * does), mirroring `exchange`; returns the shovel's name.
 */
export async function dynamicRoute(
  dest: TestBroker,
  src: TestBroker,
  exchange: string,
  bridge: string,
  durable = false,
): Promise<string> {
  const conn = await amqp.connect(src.url);
  try {
    return await dynamicRouteFrom(dest, await conn.createChannel(), src.url, exchange, bridge, durable);
  } finally {
    await conn.close();
  }
}

/** The same from any source broker: `declare` is a channel to it, `srcUri` its URL. */
export async function dynamicRouteFrom(
  dest: TestBroker,
  declare: Channel,
  srcUri: string,
  exchange: string,
  bridge: string,
  durable = false,
): Promise<string> {
  await declare.assertQueue(bridge, { durable: true });
  const name = `dyn ${bridge}`;
  dest.broker.federation.put('/', name, {
    'src-uri': srcUri,
    'src-queue': bridge,
    'dest-uri': 'amqp://',
    'dest-exchange': exchange,
    'qpid.dynamic': true,
    'qpid.durable': durable,
    'reconnect-delay': 0.2,
  });
  return name;
}

/** The link of a shovel on a bundled broker. */
export function linkOf(b: TestBroker, name: string) {
  const e = b.broker.federation.get('/', name);
  if (e === undefined) throw new Error(`no link ${name}`);
  return e.link;
}
