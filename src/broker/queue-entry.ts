import { QueuePlace } from './queue-place.js';
import type { StoredMessage } from './stored-message.js';

/**
 * A message's place in one queue (queue-place.ts): the message itself in its
 * first queue, a `FanoutEntry` in every further one.
 */
export type QueueEntry = QueuePlace<StoredMessage>;

/** The place of a message in its second and later queues (fanout): the message's own place is taken. */
export class FanoutEntry extends QueuePlace<StoredMessage> {
  constructor(readonly message: StoredMessage) {
    super();
  }
}
