/**
 * The decisions of the AMQP handshake, without a socket (AMQP 0-9-1 §2.2.4,
 * the connection class; RabbitMQ's rabbit_reader): the SASL mechanisms
 * offered, the client's capabilities, the SASL responses, the tune-ok limits
 * and the connection.open checks. client-connection.ts drives the sequence
 * (protocol header, start/start-ok, tune/tune-ok, open) and sends the frames.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  checkProtocolHeader,
  decodeFieldTable,
  type FieldTable,
  type MethodArgs,
  ReplyCode,
} from '../protocol/index.js';
import type { BrokerCore } from './broker-core.js';
import { commandInvalid, notAllowed } from './errors.js';
import type { BrokerOptions } from './options.js';
import type { VHost } from './vhost.js';

const EMPTY = Buffer.alloc(0);

/** Collects the 8 octets a client opens with (AMQP 0-9-1 §4.2.2), however the socket splits them. */
export class ProtocolHeaderReader {
  private bytes: Buffer = EMPTY;

  /** 'incomplete' until 8 octets arrived, 'bad' for a header we do not speak, else the octets after it. */
  push(chunk: Buffer): 'incomplete' | 'bad' | Buffer {
    // Clients send the header in one piece: copy only when it arrives split.
    this.bytes = this.bytes.length === 0 ? chunk : Buffer.concat([this.bytes, chunk]);
    const verdict = checkProtocolHeader(this.bytes);
    if (verdict !== 'ok') return verdict;
    const rest = this.bytes.subarray(8);
    this.bytes = EMPTY;
    return rest;
  }
}

export interface ClientCapabilities {
  consumerCancelNotify: boolean;
  connectionBlocked: boolean;
  authenticationFailureClose: boolean;
}

/** A client that announced no capabilities table. */
export function noCapabilities(): ClientCapabilities {
  return { consumerCancelNotify: false, connectionBlocked: false, authenticationFailureClose: false };
}

/** The capabilities a client announced in start-ok's client-properties, or undefined without that table. */
export function capabilitiesOf(clientProperties: FieldTable): ClientCapabilities | undefined {
  const caps = clientProperties['capabilities'];
  if (!caps || typeof caps !== 'object' || Array.isArray(caps)) return undefined;
  const c = caps as FieldTable;
  return {
    consumerCancelNotify: c['consumer_cancel_notify'] === true,
    connectionBlocked: c['connection.blocked'] === true,
    authenticationFailureClose: c['authentication_failure_close'] === true,
  };
}

/** connection.start's mechanisms; RabbitMQ offers EXTERNAL only on TLS connections with a peer certificate (should_offer). */
export function offeredMechanisms(auth: boolean, externalOffered: boolean): string {
  const base = auth ? 'PLAIN AMQPLAIN' : 'PLAIN AMQPLAIN ANONYMOUS';
  return externalOffered ? `EXTERNAL ${base}` : base;
}

/** connection.start: AMQP 0-9-1, the mechanisms offered (space-separated), locale en_US. */
export function startArgs(serverProperties: FieldTable, mechanisms: string): MethodArgs['connection.start'] {
  return {
    versionMajor: 0,
    versionMinor: 9,
    serverProperties,
    mechanisms: Buffer.from(mechanisms),
    locales: Buffer.from('en_US'),
  };
}

/**
 * The connection.close for a refused login, sent to clients that announced
 * authentication_failure_close; RabbitMQ sends it with class-id and method-id 0.
 */
export function loginRefused(mechanism: string): MethodArgs['connection.close'] {
  return {
    replyCode: ReplyCode.ACCESS_REFUSED,
    replyText: `ACCESS_REFUSED - Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`,
    classId: 0,
    methodId: 0,
  };
}

/** What authentication needs from the connection and its broker. */
export interface SaslContext {
  /** Authentication on; when off, ANONYMOUS is accepted. */
  readonly auth: boolean;
  /** The CN of a verified client certificate, when SASL EXTERNAL is on (rabbit_auth_mechanism_ssl). */
  externalUser(): string | undefined;
  checkCredentials(user: string, password: string, mechanism: string): boolean;
  checkExternal(user: string): boolean;
}

/** The CN of a verified client certificate, when SASL EXTERNAL is on (rabbit_auth_mechanism_ssl). */
export function externalUserOf(socket: Socket, o: Pick<BrokerOptions, 'tls'>): string | undefined {
  if (!(socket instanceof TLSSocket) || !o.tls?.external || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined;
}

/** The SaslContext of a client socket: the broker's credential checks, with the client's address. */
export function saslContext(
  b: Pick<BrokerCore, 'options' | 'checkCredentials' | 'checkExternal'>,
  socket: Socket,
): SaslContext {
  const remote = socket.remoteAddress;
  return {
    auth: b.options.auth,
    externalUser: () => externalUserOf(socket, b.options),
    checkCredentials: (user, pass, mechanism) => b.checkCredentials(user, pass, remote, mechanism),
    checkExternal: (cn) => b.checkExternal(cn, remote),
  };
}

/** The user a start-ok authenticates, or undefined when refused; an unknown mechanism is 503 COMMAND_INVALID. */
export function authenticate(ctx: SaslContext, mechanism: string, response: Buffer): string | undefined {
  let credentials: { user: string | undefined; pass: string | undefined } | undefined;
  if (mechanism === 'PLAIN') credentials = plainCredentials(response);
  else if (mechanism === 'AMQPLAIN') credentials = amqplainCredentials(response);
  else if (mechanism === 'ANONYMOUS' && !ctx.auth) return 'anonymous';
  else if (mechanism === 'EXTERNAL' && ctx.externalUser() !== undefined) {
    const cn = ctx.externalUser() as string;
    return ctx.checkExternal(cn) ? cn : undefined;
  } else {
    throw commandInvalid(`unknown authentication mechanism '${mechanism}'`).at(10, 11);
  }
  if (credentials === undefined) return undefined;
  const { user, pass } = credentials;
  if (user === undefined || pass === undefined) return undefined;
  return ctx.checkCredentials(user, pass, mechanism) ? user : undefined;
}

/** RFC 4616: [authzid] NUL authcid NUL passwd. */
export function plainCredentials(response: Buffer): { user: string | undefined; pass: string | undefined } | undefined {
  const parts = response.toString('utf8').split('\0');
  if (parts.length !== 3) return undefined;
  return { user: parts[1], pass: parts[2] };
}

/** A field table without its length prefix, holding LOGIN and PASSWORD (RabbitMQ's AMQPLAIN). */
export function amqplainCredentials(
  response: Buffer,
): { user: string | undefined; pass: string | undefined } | undefined {
  try {
    const prefixed = Buffer.alloc(4 + response.length);
    prefixed.writeUInt32BE(response.length, 0);
    response.copy(prefixed, 4);
    const t = decodeFieldTable(prefixed, 0).value;
    return {
      user: typeof t['LOGIN'] === 'string' ? t['LOGIN'] : undefined,
      pass: typeof t['PASSWORD'] === 'string' ? t['PASSWORD'] : undefined,
    };
  } catch {
    return undefined;
  }
}

export interface Tuned {
  frameMax: number;
  channelMax: number;
  heartbeat: number;
}

/** The limits a tune-ok settles on, validated the way rabbit_reader validates the client's tune-ok. */
export function negotiateTune(
  o: { readonly frameMax: number; readonly channelMax: number },
  a: MethodArgs['connection.tune-ok'],
): Tuned {
  if (a.frameMax !== 0 && a.frameMax < 4096) {
    throw notAllowed(`frame_max=${a.frameMax} < 4096 min size`).at(10, 31);
  }
  if (a.frameMax > o.frameMax) throw notAllowed(`frame_max=${a.frameMax} > ${o.frameMax} max size`).at(10, 31);
  if (a.channelMax > o.channelMax) {
    throw notAllowed(`channel_max=${a.channelMax} > ${o.channelMax} max size`).at(10, 31);
  }
  return {
    frameMax: a.frameMax === 0 ? o.frameMax : a.frameMax,
    channelMax: a.channelMax === 0 ? o.channelMax : a.channelMax,
    heartbeat: a.heartbeat,
  };
}

/**
 * rabbit_reader's connection.open checks, in its order: the node, vhost and
 * user connection limits (the vhost one reports a missing vhost), then
 * check_vhost_access — all 530 NOT_ALLOWED. Returns the vhost to open.
 */
export function checkOpen(
  b: Pick<BrokerCore, 'vhosts' | 'options' | 'access' | 'countConnections'>,
  user: string,
  name: string,
): VHost {
  const vhost = b.vhosts.get(name);
  const auth = b.options.auth;
  const maxConn = b.options.maxConnections;
  if (maxConn > 0 && b.countConnections(() => true) >= maxConn) {
    throw notAllowed(`connection refused: node connection limit (${maxConn}) is reached`).at(10, 40);
  }
  if (vhost === undefined) throw notAllowed(`vhost ${name} not found`).at(10, 40);
  const vLimit = b.access.vhostLimit(name, 'max-connections');
  if (vLimit !== undefined && b.countConnections((c) => c.vhostName === name) >= vLimit) {
    throw notAllowed(
      `access to vhost '${name}' refused for user '${user}': connection limit (${vLimit}) is reached`,
    ).at(10, 40);
  }
  const uLimit = auth ? b.access.userLimit(user, 'max-connections') : undefined;
  if (uLimit !== undefined && b.countConnections((c) => c.user === user) >= uLimit) {
    throw notAllowed(`connection refused for user '${user}': user connection limit (${uLimit}) is reached`).at(10, 40);
  }
  if (auth && !b.access.hasVhostAccess(user, name)) {
    throw notAllowed(`access to vhost '${name}' refused for user '${user}'`).at(10, 40);
  }
  return vhost;
}
