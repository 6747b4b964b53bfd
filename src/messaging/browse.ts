/**
 * Browsing (`mode: browse`, docs/qpid-reference.md §4.3): reading a queue without consuming it.
 *
 * - Native: the bundled broker advertises `qpid.browse: true` in connection.start capabilities and takes
 *   the consume argument `x-browse: true`, giving a true Qpid browser (non-destructive, sees later
 *   arrivals, other consumers unaffected, redelivered flags untouched). The receiver uses it whenever
 *   the capability is present.
 * - Emulated (RabbitMQ, which has no browse on classic queues): on the first fetch the receiver takes a
 *   *snapshot*: `basic.get` without ack for as many messages as `queue.declare-ok` reported, then
 *   `basic.nack(multiple, requeue)` gives them all back at once, in their original order. Caveats:
 *   - the messages are held for the length of the snapshot: a consumer or another browser running at
 *     that instant does not see them (two browsers one after the other both see everything);
 *   - every browsed message comes back with `redelivered = true` for the next consumer;
 *   - messages arriving after the snapshot are not seen (fetch then waits its timeout and says Empty);
 *   - on quorum queues each requeue counts as a delivery attempt (`x-delivery-limit`).
 */
import type { Channel, GetMessage } from 'amqplib';

/** Copies of the messages on `queue`, which stays as it was (see caveats above). */
export async function snapshotQueue(ch: Channel, queue: string): Promise<GetMessage[]> {
  const { messageCount } = await ch.checkQueue(queue);
  const taken: GetMessage[] = [];
  for (let i = 0; i < messageCount; i++) {
    const m = await ch.get(queue, { noAck: false });
    if (!m) break;
    taken.push(m);
  }
  if (taken.length > 0) ch.nackAll(true);
  return taken;
}
