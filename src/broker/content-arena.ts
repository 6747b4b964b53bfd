/**
 * Where small message contents live: the content-header payload and, when
 * small and not to be paged out, the body right after it, packed into shared
 * 8 KiB slabs. A message then holds a slab reference and an offset instead of
 * Buffer objects of its own (each Buffer costs ~100 B of object overhead,
 * more than a small message's bytes). The rule is Node's own Buffer pool's
 * (copies up to half the pool size share a slab), so a queued message pins
 * no more than a pooled Buffer.from copy did.
 */
const SLAB_SIZE = 8 * 1024;

/** Contents up to this many bytes go into a shared slab; larger ones get an allocation of their own. */
export const ARENA_MAX = SLAB_SIZE >>> 1;

export class ContentArena {
  private slab: Buffer = Buffer.allocUnsafe(0);
  private used = 0;

  /** Copies `a` and then `b` (at most ARENA_MAX bytes in all) into a slab; returns it, the copy at `lastStart`. */
  place(a: Uint8Array, b?: Uint8Array): Buffer {
    const size = a.length + (b?.length ?? 0);
    if (this.used + size > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.used = 0;
    }
    const s = this.slab;
    this.lastStart = this.used;
    s.set(a, this.used);
    if (b !== undefined) s.set(b, this.used + a.length);
    this.used += size;
    return s;
  }

  /** Offset in the slab returned by the last `place`. */
  lastStart = 0;
}
