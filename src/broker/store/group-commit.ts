/**
 * The promise one group commit resolves: every enqueue of a batch returns
 * the same one, and the publisher confirms and tx.commit-ok that wait on it
 * go out only once the batch is written and synced (see DiskStore).
 */
export interface BatchWaiter {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

export function newBatchWaiter(): BatchWaiter {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody waits on (no confirms) must not be an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
