/**
 * Copies of recovered bodies kept in RAM (DiskStore body budget), packed
 * into shared slabs: one allocation per SLAB_SIZE bytes instead of one per
 * message, which is most of what recovering a backlog of small messages
 * costs (each allocation of its own is an ArrayBuffer the GC tracks).
 *
 * Only bodies go into a slab, never header bytes, so a slab is not pinned by
 * what stays in RAM once its bodies are gone (see unpooledCopy); the most one
 * long-held body keeps alive is its slab, SLAB_SIZE bytes. Recovered bodies
 * are the oldest resident ones, so the budget never pages them out (it pages
 * out newest first).
 */
import { unpooledCopy } from '../stored-message.js';

const SLAB_SIZE = 64 * 1024;
/** Bodies above this get an allocation of their own (they would waste a slab's tail). */
const OWN_ABOVE = SLAB_SIZE / 8;

export class BodySlab {
  private slab: Buffer | undefined;
  private used = 0;

  copy(src: Uint8Array): Buffer {
    if (src.length > OWN_ABOVE) return unpooledCopy(src);
    if (this.slab === undefined || this.used + src.length > SLAB_SIZE) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.used = 0;
    }
    const b = this.slab.subarray(this.used, this.used + src.length);
    b.set(src);
    this.used += src.length;
    return b;
  }
}
