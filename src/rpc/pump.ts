/** The consume loop shared by RPC servers, reply waiters and notification listeners. */
import { LinkClosed, type Message, type MessagingError, type Receiver } from '../messaging/index.js';
import type { Executor } from './executor.js';

/**
 * Fetches from `receiver` until it is closed, running `handle` for each message in an executor slot.
 * Resolves when the receiver is closed (normal stop) and reports any other end through `onError`.
 */
export async function pump(
  receiver: Receiver,
  executor: Executor | undefined,
  handle: (m: Message) => Promise<void>,
  onError: (err: unknown) => void,
): Promise<void> {
  for (;;) {
    let m: Message | undefined;
    try {
      m = await receiver.get();
    } catch (err) {
      // close() ends the loop quietly; a failed connection or link is worth telling.
      if (!(err instanceof LinkClosed && isClosedByUs(receiver))) onError(err as MessagingError);
      return;
    }
    if (!m) continue;
    const message = m;
    const task = () => handle(message).catch(onError);
    // The slot is taken with the message in hand (each consumer holds at most one waiting), so one
    // idle queue never starves the others; the rest stays unacknowledged in the broker's prefetch.
    if (executor) {
      await executor.slot();
      executor.run(task);
    } else {
      await task();
    }
  }
}

// A receiver we closed reports LinkClosed('receiver closed'); a lost link has a different error.
function isClosedByUs(receiver: Receiver): boolean {
  return !receiver.session.receivers.includes(receiver);
}
