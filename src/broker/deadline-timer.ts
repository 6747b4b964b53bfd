/**
 * One timer for one deadline, as a queue keeps for its head's TTL and for
 * x-expires (never one timer per message). TTLs and x-expires reach ten
 * years; Node fires longer timeouts at once, so a long wait wakes up early
 * and re-arms until the deadline has passed.
 */

/** The longest delay setTimeout honours (2^31 - 1 ms). */
const MAX_TIMER_MS = 0x7fff_ffff;

export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  /** The armed deadline (ms since the epoch), or +Infinity when disarmed. */
  at = Number.POSITIVE_INFINITY;

  constructor(private readonly fire: () => void) {}

  /** Arms the timer for `at`, replacing any earlier deadline; +Infinity disarms it. */
  set(at: number): void {
    this.clear();
    this.at = at;
    if (at !== Number.POSITIVE_INFINITY) this.schedule();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (Date.now() < this.at) {
          this.schedule();
          return;
        }
        this.at = Number.POSITIVE_INFINITY;
        this.fire();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, this.at - Date.now())),
    );
    this.timer.unref();
  }
}
