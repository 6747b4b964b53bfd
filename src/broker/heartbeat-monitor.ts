/**
 * Heartbeats of one connection (AMQP 0-9-1 §4.2.7): the last time anything
 * arrived and anything was sent, checked every half interval. A peer silent
 * for two intervals is dead; an idle half interval on our side sends a
 * heartbeat frame.
 */
export interface HeartbeatActions {
  /** The peer missed its heartbeats: RabbitMQ drops the socket. */
  dead(): void;
  /** Nothing was sent for half an interval. */
  beat(): void;
}

export class HeartbeatMonitor {
  lastRecv = Date.now();
  lastSent = Date.now();
  private timer: NodeJS.Timeout | undefined;

  /** Starts checking for a negotiated heartbeat of `seconds` (0: heartbeats off). */
  start(seconds: number, actions: HeartbeatActions): void {
    if (seconds === 0) return;
    const intervalMs = seconds * 1000;
    this.timer = setInterval(
      () => {
        const now = Date.now();
        if (now - this.lastRecv >= 2 * intervalMs) {
          actions.dead();
          return;
        }
        if (now - this.lastSent >= intervalMs / 2) actions.beat();
      },
      Math.max(250, intervalMs / 2),
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
