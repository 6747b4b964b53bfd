/**
 * The disk store's list of stored messages whose body is in RAM and counted
 * against the body budget (see DiskStore), oldest at the head, newest at the
 * tail. Bodies are paged out from the tail: the head of a backlog is
 * delivered next, so it is the part worth keeping in RAM. The links live in
 * the messages themselves (residentPrev/residentNext), so the list costs no
 * allocation per message.
 */
import type { StoredMessage } from '../stored-message.js';

export class ResidentBodies {
  private tail: StoredMessage | undefined;
  /** Body bytes of the messages on the list. */
  bytes = 0;

  /** Appends `m` as the newest resident body. */
  link(m: StoredMessage): void {
    m.resident = true;
    m.residentPrev = this.tail;
    m.residentNext = undefined;
    if (this.tail !== undefined) this.tail.residentNext = m;
    this.tail = m;
    this.bytes += m.bodySize;
  }

  /** Takes `m` off the list (a no-op when it is not on it). */
  unlink(m: StoredMessage): void {
    if (!m.resident) return;
    m.resident = false;
    if (m.residentPrev !== undefined) m.residentPrev.residentNext = m.residentNext;
    if (m.residentNext === undefined) this.tail = m.residentPrev;
    else m.residentNext.residentPrev = m.residentPrev;
    m.residentPrev = undefined;
    m.residentNext = undefined;
    this.bytes -= m.bodySize;
  }

  /** Unlinks and returns the newest resident message, or undefined when the list is empty. */
  popNewest(): StoredMessage | undefined {
    const m = this.tail;
    if (m !== undefined) this.unlink(m);
    return m;
  }
}
