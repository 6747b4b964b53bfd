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
  /** By local address, then by mechanisms (nested, so a lookup builds no key string). */
  private readonly frames = new Map<string | undefined, Map<string, Buffer>>();
  private size = 0;

  constructor(private readonly properties: (localAddress: string | undefined) => FieldTable) {}

  /** The encoded frame. It is shared: callers write it to a socket and never change it. */
  frame(localAddress: string | undefined, mechanisms: string): Buffer {
    return this.frames.get(localAddress)?.get(mechanisms) ?? this.encode(localAddress, mechanisms);
  }

  private encode(localAddress: string | undefined, mechanisms: string): Buffer {
    if (this.size >= MAX_FRAMES) this.clear();
    let byMechanisms = this.frames.get(localAddress);
    if (byMechanisms === undefined) {
      byMechanisms = new Map();
      this.frames.set(localAddress, byMechanisms);
    }
    const f = encodeMethodFrame(0, 'connection.start', startArgs(this.properties(localAddress), mechanisms));
    byMechanisms.set(mechanisms, f);
    this.size++;
    return f;
  }

  /** The server properties changed (the management listener came up): encode again. */
  clear(): void {
    this.frames.clear();
    this.size = 0;
  }
}
