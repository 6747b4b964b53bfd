/**
 * connection.start frames, encoded once and reused by every connection. A
 * frame depends only on the address the client reached (qpid.management_url
 * names it, docs/management-discovery.md) and the mechanisms offered; encoding
 * the server-properties table anew for each connection was the largest piece
 * of the broker's own code on the open path (bench/NOTES.md, "Connection
 * open/close").
 */
import { encodeMethodFrame, type FieldTable } from '../protocol/index.js';
import { startArgs } from './connection-handshake.js';

/** Frames kept; a broker has few local addresses, so reaching it only means starting afresh. */
const MAX_FRAMES = 64;

export class StartFrames {
  private readonly frames = new Map<string, Buffer>();

  constructor(private readonly properties: (localAddress: string | undefined) => FieldTable) {}

  /** The encoded frame. It is shared: callers write it to a socket and never change it. */
  frame(localAddress: string | undefined, mechanisms: string): Buffer {
    const key = `${localAddress}\n${mechanisms}`;
    let f = this.frames.get(key);
    if (f === undefined) {
      if (this.frames.size >= MAX_FRAMES) this.frames.clear();
      f = encodeMethodFrame(0, 'connection.start', startArgs(this.properties(localAddress), mechanisms));
      this.frames.set(key, f);
    }
    return f;
  }

  /** The server properties changed (the management listener came up): encode again. */
  clear(): void {
    this.frames.clear();
  }
}
