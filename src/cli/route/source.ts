/**
 * The source broker's side of a route, over AMQP with amqplib (the bridge queue needs queue.declare,
 * queue.bind and a passive exchange.declare, which Qpid's messaging API does not expose).
 */
import amqp from 'amqplib';
import { amqpUri, hostPort, type Route, sourceQueue } from './route.js';

/**
 * Connects to the source broker, runs `job` and closes the connection however it ends. `timeoutMs`
 * bounds the connect (none: amqplib's default).
 */
async function onSource<T>(r: Route, timeoutMs: number | undefined, job: (conn: amqp.ChannelModel) => Promise<T>) {
  let conn: amqp.ChannelModel;
  try {
    conn = await amqp.connect(amqpUri(r.src), { timeout: timeoutMs });
  } catch (e) {
    throw new Error(`cannot connect to source broker ${hostPort(r.src)}: ${(e as Error).message}`);
  }
  try {
    return await job(conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * Declares the bridge queue on the source and binds it with the route's key (Qpid's bridge subscribes
 * there too); a dynamic route's link makes the bindings itself (`bind: false`).
 */
export function prepareSource(
  r: Route,
  queue: string,
  how: { durable: boolean; bind: boolean },
  timeoutMs: number,
): Promise<void> {
  return onSource(r, timeoutMs, async (conn) => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.checkExchange(r.exchange).catch(() => {
      throw new Error(`no exchange '${r.exchange}' on source broker ${hostPort(r.src)}`);
    });
    const c2 = await conn.createChannel();
    await c2.assertQueue(queue, { durable: how.durable, autoDelete: false });
    if (how.bind) await c2.bindQueue(queue, r.exchange, r.key);
  });
}

/** Deletes a route's bridge queue; a source that cannot be reached keeps it (the route is gone either way). */
export async function dropSourceQueue(r: Route): Promise<void> {
  await onSource(r, undefined, async (conn) => {
    await (await conn.createChannel()).deleteQueue(sourceQueue(r));
  }).catch(() => undefined);
}
