/**
 * Decodes UTF-8 strings from a file image, handing back the same string
 * while the bytes repeat: recovered messages of one queue carry the same
 * exchange and routing key, and a million copies of a queue name would cost
 * tens of MiB of RAM.
 */
export class RecentString {
  private bytes: Buffer = Buffer.alloc(0);
  private value = '';

  read(buf: Buffer, start: number, length: number): string {
    if (length === this.bytes.length && buf.compare(this.bytes, 0, length, start, start + length) === 0) {
      return this.value;
    }
    this.value = buf.toString('utf8', start, start + length);
    this.bytes = Buffer.from(buf.subarray(start, start + length));
    return this.value;
  }
}
