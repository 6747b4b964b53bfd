/** A data-directory problem that stops the broker from starting (lock held, corrupt file). */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
