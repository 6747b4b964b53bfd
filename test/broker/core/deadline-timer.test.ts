// The queue's one-deadline timer (deadline-timer.ts) on fake timers: it fires once at its deadline,
// also past setTimeout's 2^31-1 ms limit (it wakes early and re-arms), and a cleared or replaced
// deadline never fires.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { DeadlineTimer } from '../../../src/broker/deadline-timer.js';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

describe('deadline timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('fires once at a deadline beyond the longest setTimeout, not before', () => {
    let fired = 0;
    const t = new DeadlineTimer(() => fired++);
    const at = Date.now() + TEN_YEARS_MS;
    t.set(at);
    expect(t.at).toBe(at);
    vi.advanceTimersByTime(TEN_YEARS_MS - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    expect(t.at).toBe(Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(TEN_YEARS_MS);
    expect(fired).toBe(1);
  });

  test('a replaced deadline fires at the new time only; a cleared one never', () => {
    let fired = 0;
    const t = new DeadlineTimer(() => fired++);
    t.set(Date.now() + 1000);
    t.set(Date.now() + 5000);
    vi.advanceTimersByTime(4999);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    t.set(Date.now() + 1000);
    t.clear();
    t.set(Number.POSITIVE_INFINITY);
    vi.advanceTimersByTime(10_000);
    expect(fired).toBe(1);
  });
});
