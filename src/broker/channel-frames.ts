/**
 * A connection's frames for channels 1..n, as rabbit_reader handles them:
 * channel.open creates a channel, channel.close and close-ok end it, content
 * frames and every other method go to the channel. A closing channel discards
 * everything until its close-ok (AMQP 0-9-1 §4.2.6). A channel exception
 * closes the channel; anything else escapes and closes the connection.
 */
import { FrameType, isHardError, type Method, ProtocolError } from '../protocol/index.js';
import type { BrokerCore } from './broker-core.js';
import { Channel } from './channel.js';
import type { ChannelHost, HostedChannel } from './channel-host.js';
import { checkChannelOpen } from './channel-open.js';
import { type AnyAmqpError, ChannelException, ConnectionException, channelError, internalError } from './errors.js';

/** What routing frames to channels needs from the connection (client-connection.ts implements it). */
export interface ChannelMux extends ChannelHost {
  readonly broker: BrokerCore;
  readonly channels: Map<number, Channel>;
  readonly user: string;
  /** The negotiated channel-max (0: no limit). */
  readonly channelMax: number;
  /** connection.open-ok was sent. */
  readonly opened: boolean;
  /** connection.close with the error's code. */
  closeWith(err: AnyAmqpError): void;
}

/** A method frame on channel `id` (not 0). */
export function channelMethod(mux: ChannelMux, id: number, m: Method): void {
  if (!mux.opened) throw channelError(`unexpected method ${m.name} before connection.open`);
  const ch = mux.channels.get(id);
  if (ch === undefined) {
    if (m.name !== 'channel.open') throw channelError(`expected 'channel.open'`).at(m.classId, m.methodId);
    checkChannelOpen(mux.broker, mux.user, id, mux.channels.size, mux.channelMax);
    mux.channels.set(id, new Channel(mux, id));
    mux.sendMethod(id, 'channel.open-ok', {});
    return;
  }
  if (ch.closing) {
    // Discard everything on a closing channel until its close-ok (AMQP 0-9-1 §4.2.6).
    if (m.name === 'channel.close-ok') mux.channels.delete(id);
    else if (m.name === 'channel.close') {
      mux.sendMethod(id, 'channel.close-ok', {});
      mux.channels.delete(id);
    }
    return;
  }
  if (m.name === 'channel.close') {
    ch.cleanup();
    mux.channels.delete(id);
    mux.sendMethod(id, 'channel.close-ok', {});
    return;
  }
  if (m.name === 'channel.close-ok') return;
  try {
    ch.handleMethod(m);
  } catch (e) {
    if (e instanceof ChannelException) mux.closeChannelWith(ch, e.at(m.classId, m.methodId));
    else if (e instanceof ConnectionException) throw e.at(m.classId, m.methodId);
    else if (e instanceof ProtocolError) throw e;
    else throw internalFrom(e, m);
  }
}

/** A content header or body frame on channel `id` (not 0); its errors are attributed to basic.publish. */
export function channelContent(mux: ChannelMux, type: number, id: number, payload: Buffer): void {
  const ch = mux.channels.get(id);
  if (ch === undefined) throw channelError(`expected 'channel.open'`);
  if (ch.closing) return;
  try {
    if (type === FrameType.HEADER) ch.handleHeader(payload);
    else ch.handleBody(payload);
  } catch (e) {
    if (e instanceof ChannelException) mux.closeChannelWith(ch, e.at(60, 40));
    else throw e;
  }
}

/** channel.close with a soft error's code; a hard error closes the whole connection. */
export function closeChannel(mux: ChannelMux, ch: HostedChannel, err: AnyAmqpError): void {
  if (isHardError(err.code)) {
    mux.closeWith(err);
    return;
  }
  if (ch.closing) return;
  ch.cleanup();
  mux.sendMethod(ch.id, 'channel.close', {
    replyCode: err.code,
    replyText: err.replyText,
    classId: err.classId,
    methodId: err.methodId,
  });
}

function internalFrom(e: unknown, m: Method): ConnectionException {
  return internalError(`${(e as Error)?.message ?? String(e)}`).at(m.classId, m.methodId);
}
