/**
 * The bundled broker: listeners, virtual hosts, users, the memory alarm, and
 * shutdown. `Broker.start({ port: 0 })` is how tests and `qpidd` run it.
 */
import { statfs } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { totalmem } from 'node:os';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { getHeapStatistics } from 'node:v8';
import { type FieldTable, MANAGEMENT_URL_PROPERTY } from '../protocol/index.js';
import { PRODUCT, VERSION } from '../version.js';
import { AccessControl, isLoginRefusal } from './auth/access-control.js';
import type { AccessSnapshot } from './auth/types.js';
import type { BrokerCore, BrokerStats, TrackedConnection } from './broker-core.js';
import { ClientConnection } from './client-connection.js';
import { StartFrames } from './connection-start.js';
import { DirectReplyRegistry } from './direct-reply-to.js';
import { Federation } from './federation/federation.js';
import { FEDERATION_ID_PROPERTY } from './federation/federation-id.js';
import { closeAll, listenAll } from './listen.js';
import type { ManagementHost } from './management/host.js';
import { ManagementServer } from './management/server.js';
import type { MessageStore } from './message-store.js';
import { type BrokerOptions, DEFAULT_OPTIONS, LOG_LEVELS, type LogLevel } from './options.js';
import { DiskStore } from './store/disk-store.js';
import { MemoryStore } from './store/memory-store.js';
import { VHost } from './vhost.js';

export { PRODUCT, VERSION };

/** rabbit_net:is_loopback: 127.0.0.0/8 and ::1 (also IPv4-mapped). */
export function isLoopback(address: string): boolean {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a);
}

export class Broker implements BrokerCore, ManagementHost {
  readonly options: BrokerOptions;
  readonly vhosts = new Map<string, VHost>();
  readonly connections = new Set<ClientConnection>();
  readonly stats: BrokerStats = { publish: 0, confirm: 0 };
  readonly directReply = new DirectReplyRegistry();
  readonly startedAt = Date.now();
  readonly store: MessageStore;
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private boundTlsPort: number | undefined;
  private boundHost = '127.0.0.1';
  private queuedBytes = 0;
  private memoryTimer: NodeJS.Timeout | undefined;
  private alarm = false;
  /** Free space on the data directory's filesystem is below options.diskFreeLimit. */
  private diskAlarm = false;
  private readonly watermarkBytes: number;
  private mgmt: ManagementServer | undefined;
  /** Users, permissions and limits, persisted with the definitions (see auth/). */
  readonly access: AccessControl;
  private accessRestored = false;
  /** Built-in shovels: qpid-route's federation links (src/broker/federation). */
  readonly federation: Federation = new Federation(this);
  /** connection.start, encoded once per local address and mechanisms (the server properties are fixed). */
  private readonly startFrames = new StartFrames((address) => this.serverProperties(address));

  private constructor(options: Partial<BrokerOptions>, store: MessageStore) {
    this.options = { ...DEFAULT_OPTIONS, ...stripUndefined(options) };
    this.store = store;
    this.access = new AccessControl(() => this.store.definitionsChanged?.());
    const w = this.options.memoryHighWatermark;
    this.watermarkBytes = w <= 1 ? Math.floor(totalmem() * w) : w;
    for (const v of this.options.vhosts) this.addVhost(v);
  }

  /** Starts a broker and resolves once it listens. */
  static async start(options: Partial<BrokerOptions> = {}): Promise<Broker> {
    // One broker per data directory: the lock is taken (or refused) before anything is read.
    const disk =
      options.dataDir === undefined
        ? undefined
        : DiskStore.open(options.dataDir, { bodyBudget: options.messageMemoryBudget });
    const store: MessageStore = disk ?? new MemoryStore();
    const b = new Broker(options, store);
    // broker.ts is where store implementations are chosen; the domain sees only MessageStore.
    disk?.recover(b);
    if (!b.accessRestored) b.seedAccess();
    try {
      await b.listen();
    } catch (e) {
      await store.close();
      throw e;
    }
    b.federation.restore();
    return b;
  }

  get port(): number {
    return this.boundPort;
  }

  /** Port of the AMQPS listener, or undefined when there is none (options.tls). */
  get tlsPort(): number | undefined {
    return this.boundTlsPort;
  }

  get host(): string {
    return this.boundHost;
  }

  /** amqp:// URL of the first listener, with the default user when it exists. */
  get url(): string {
    const h = this.boundHost.includes(':') ? `[${this.boundHost}]` : this.boundHost;
    return `amqp://${h}:${this.boundPort}`;
  }

  /** Port of the management HTTP API, or undefined when it is off (options.mgmtPort). */
  get mgmtPort(): number | undefined {
    return this.mgmt?.port;
  }

  /** http:// URL of the management API on the first listener, or undefined when it is off. */
  get mgmtUrl(): string | undefined {
    if (this.mgmt === undefined) return undefined;
    const h = this.boundHost.includes(':') ? `[${this.boundHost}]` : this.boundHost;
    return `${this.options.mgmtTls ? 'https' : 'http'}://${h}:${this.mgmt.port}`;
  }

  /** The memory alarm alone (management's mem_alarm). */
  get memoryAlarm(): boolean {
    return this.alarm;
  }

  /** The disk alarm alone (management's disk_free_alarm). */
  get diskAlarmActive(): boolean {
    return this.diskAlarm;
  }

  get alarmActive(): boolean {
    return this.alarm || this.diskAlarm;
  }

  /** Bytes of message bodies currently held by queues (each body counted once). */
  get messageBytes(): number {
    return this.queuedBytes;
  }

  addVhost(name: string): VHost {
    let v = this.vhosts.get(name);
    if (v === undefined) {
      v = new VHost(name, { store: this.store, stats: this.stats, accountBytes: (d) => this.accountBytes(d) });
      this.vhosts.set(name, v);
      this.store.definitionsChanged?.();
    }
    return v;
  }

  /**
   * Deletes a vhost with everything in it (rabbit_vhost:delete): its
   * connections are closed with 320, its queues and their messages removed,
   * its permissions and limits dropped.
   */
  deleteVhost(name: string): boolean {
    const v = this.vhosts.get(name);
    if (v === undefined) return false;
    for (const c of [...this.connections]) {
      if (c.vhostName === name) c.forceClose(`vhost '${name}' is deleted`);
    }
    for (const q of [...v.queues.values()]) v.removeQueue(q);
    this.vhosts.delete(name);
    this.access.vhostDeleted(name);
    this.store.definitionsChanged?.();
    return true;
  }

  // ---- access control -------------------------------------------------------

  /** DiskStore recovery hands back what it persisted; undefined means a first start. */
  restoreAccess(s: AccessSnapshot | undefined): void {
    if (s === undefined) return;
    this.access.restore(s);
    this.accessRestored = true;
  }

  accessSnapshot(): AccessSnapshot {
    return this.access.snapshot();
  }

  /** First start: the default user(s), administrators with full permissions on the initial vhosts (RabbitMQ default_user). */
  private seedAccess(): void {
    const users = this.options.users ?? { [this.options.defaultUser]: this.options.defaultPass };
    for (const [name, password] of Object.entries(users)) {
      this.access.putUser(name, { password, tags: ['administrator'] });
      for (const v of this.options.vhosts)
        this.access.setPermissions(name, v, { configure: '.*', write: '.*', read: '.*' });
    }
  }

  /**
   * Password check plus RabbitMQ's loopback_users rule. The reason of a
   * refusal is only logged ("PLAIN login refused: user 'guest' can only
   * connect via localhost"); the client gets RabbitMQ's generic 403 text.
   */
  checkCredentials(user: string, password: string, remoteAddress: string | undefined, mechanism = 'PLAIN'): boolean {
    if (!this.options.auth) return true;
    const r = this.access.authenticate(user, password);
    let refused = isLoginRefusal(r) ? r.refused : undefined;
    if (refused === undefined && !this.loopbackAllowed(user, remoteAddress)) {
      refused = `user '${user}' can only connect via localhost`;
    }
    if (refused === undefined) return true;
    this.log('warn', `${mechanism} login refused: ${refused}`);
    return false;
  }

  /**
   * SASL EXTERNAL: the certificate's CN must name an existing user (no
   * password); the loopback rule applies as for any login.
   */
  checkExternal(user: string, remoteAddress: string | undefined): boolean {
    if (!this.options.auth) return true;
    let refused: string | undefined;
    if (this.access.user(user) === undefined) refused = `user '${user}' - no such user`;
    else if (!this.loopbackAllowed(user, remoteAddress)) refused = `user '${user}' can only connect via localhost`;
    if (refused === undefined) return true;
    this.log('warn', `EXTERNAL login refused: ${refused}`);
    return false;
  }

  /** False when `user` is loopback-only and `remoteAddress` is not a loopback address. */
  loopbackAllowed(user: string, remoteAddress: string | undefined): boolean {
    if (!this.options.loopbackUsers.includes(user)) return true;
    return remoteAddress === undefined || isLoopback(remoteAddress);
  }

  /** Open connections matching `pred` (limits are counted over opened connections, as rabbit_connection_tracking). */
  countConnections(pred: (c: TrackedConnection) => boolean): number {
    let n = 0;
    for (const c of this.connections) if (c.opened && pred(c)) n++;
    return n;
  }

  private async listen(): Promise<void> {
    const hosts = Array.isArray(this.options.host) ? this.options.host : [this.options.host];
    const amqp = await listenAll(() => createServer((socket) => this.accept(socket)), hosts, this.options.port);
    this.servers.push(...amqp.servers);
    this.boundPort = amqp.port;
    this.boundHost = amqp.address;
    const t = this.options.tls;
    if (t !== undefined) {
      try {
        const l = await listenAll(() => this.tlsServer(t), hosts, t.port);
        this.servers.push(...l.servers);
        this.boundTlsPort = l.port;
      } catch (e) {
        await this.closeServers();
        throw e;
      }
    }
    if (this.options.mgmtPort !== undefined) {
      const mgmt = new ManagementServer(this);
      try {
        await mgmt.listen(hosts, this.options.mgmtPort);
      } catch (e) {
        await this.closeServers();
        throw e;
      }
      this.mgmt = mgmt;
      // qpid.management_url is in the server properties from now on.
      this.startFrames.clear();
    }
    this.checkDisk();
    this.memoryTimer = setInterval(() => {
      this.checkMemory();
      this.checkDisk();
    }, 1000);
    this.memoryTimer.unref();
  }

  /**
   * The AMQPS listener. With verify 'peer' a client certificate is asked for;
   * an invalid one is refused in the TLS handshake, a missing one only with
   * failIfNoPeerCert (RabbitMQ's verify_peer semantics).
   */
  private tlsServer(t: NonNullable<BrokerOptions['tls']>): Server {
    const peer = t.verify === 'peer';
    const server = createTlsServer(
      { cert: t.cert, key: t.key, ca: t.ca, requestCert: peer, rejectUnauthorized: false },
      (socket: TLSSocket) => {
        if (peer) {
          const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
          if ((presented && !socket.authorized) || (!presented && t.failIfNoPeerCert)) {
            this.log(
              'warn',
              `TLS client ${socket.remoteAddress} refused: ${socket.authorizationError ?? 'no peer certificate'}`,
            );
            socket.destroy();
            return;
          }
        }
        this.accept(socket);
      },
    );
    server.on('tlsClientError', (err) => this.log('info', `TLS handshake failed: ${err.message}`));
    return server;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const c = new ClientConnection(this, socket);
    this.connections.add(c);
    // Built only when it is written: at the default level (notice) it is not, once per connection.
    if (this.logs('info')) this.log('info', `accepting AMQP connection ${c.name}`);
  }

  connectionClosed(c: ClientConnection): void {
    this.connections.delete(c);
  }

  startFrame(localAddress: string | undefined, mechanisms: string): Buffer {
    return this.startFrames.frame(localAddress, mechanisms);
  }

  /**
   * connection.start server-properties. `localAddress` is the address the client reached us on; with the
   * management API on, `qpid.management_url` tells tools where it is (docs/management-discovery.md).
   */
  serverProperties(localAddress?: string): FieldTable {
    const mgmt = this.mgmt?.port;
    const host = localAddress?.replace(/^::ffff:/, '') ?? this.boundHost;
    return {
      ...(mgmt === undefined
        ? {}
        : { [MANAGEMENT_URL_PROPERTY]: `http://${host.includes(':') ? `[${host}]` : host}:${mgmt}` }),
      product: PRODUCT,
      version: VERSION,
      platform: `Node.js ${process.version}`,
      copyright: 'Licensed under the Apache License 2.0',
      information: 'qpid-messaging bundled AMQP 0-9-1 broker',
      cluster_name: `qpidd@${this.boundHost}`,
      // Federation links read it to stamp the trace with the source's id (docs/federation.md).
      [FEDERATION_ID_PROPERTY]: this.federation.id,
      capabilities: {
        publisher_confirms: true,
        exchange_exchange_bindings: true,
        'basic.nack': true,
        consumer_cancel_notify: true,
        'connection.blocked': true,
        consumer_priorities: true,
        authentication_failure_close: true,
        per_consumer_qos: true,
        direct_reply_to: true,
        // Our extension: consume argument x-browse=true gives a non-destructive browser.
        'qpid.browse': true,
      },
    };
  }

  log(level: LogLevel, message: string): void {
    if (this.logs(level)) this.options.logger?.(level, message);
  }

  /** Whether a message of `level` is written at all. */
  private logs(level: LogLevel): boolean {
    return this.options.logger !== undefined && LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(this.options.logLevel);
  }

  // ---- memory alarm -------------------------------------------------------

  /**
   * The alarm measures what the queues hold (bodies, headers and a per-message
   * estimate), not process RSS: in a garbage-collected process RSS does not
   * fall promptly after memory is freed, which would keep publishers blocked
   * long after a backlog drained. The V8 heap is watched too, so that a flood
   * of small messages cannot exhaust it first.
   */
  accountBytes(delta: number): void {
    this.queuedBytes += delta;
    if (!this.alarm && this.queuedBytes > this.watermarkBytes) this.setAlarm(true);
    else if (this.alarm && delta < 0) this.checkMemory();
  }

  private checkMemory(): void {
    const heap = getHeapStatistics();
    const heapHigh = heap.used_heap_size > heap.heap_size_limit * 0.8;
    const over = this.queuedBytes > this.watermarkBytes || heapHigh;
    // Clear only well below the mark, so publishers are not flipped on and off per message.
    const clear = this.queuedBytes < this.watermarkBytes * 0.9 && heap.used_heap_size < heap.heap_size_limit * 0.7;
    if (!this.alarm && over) this.setAlarm(true);
    else if (this.alarm && clear) this.setAlarm(false);
  }

  /** Alarm sources (memory, disk) block publishers while any of them is set, as RabbitMQ's resource alarms. */
  private setAlarm(on: boolean, source: 'memory' | 'disk' = 'memory'): void {
    const before = this.alarmActive;
    if (source === 'memory') this.alarm = on;
    else this.diskAlarm = on;
    this.log('warn', on ? `${source} alarm set: publishers blocked` : `${source} alarm cleared`);
    const after = this.alarmActive;
    if (before !== after) for (const c of this.connections) c.notifyBlocked(after, `low on ${source}`);
  }

  /** Disk alarm: free space where the store writes, checked with the memory alarm (RabbitMQ disk_free_limit). */
  private checkDisk(): void {
    const dir = this.options.dataDir;
    const limit = this.options.diskFreeLimit;
    if (dir === undefined || !(this.store instanceof DiskStore) || limit <= 0) return;
    statfs(dir, (err, st) => {
      if (err) return;
      const free = st.bavail * st.bsize;
      if (!this.diskAlarm && free < limit) {
        this.log('warn', `free disk space ${free} bytes in ${dir} is below the limit of ${limit} bytes`);
        this.setAlarm(true, 'disk');
      } else if (this.diskAlarm && free >= limit) this.setAlarm(false, 'disk');
    });
  }

  // ---- shutdown -----------------------------------------------------------

  /** Closes every connection with 320 CONNECTION_FORCED and stops listening. */
  async stop(): Promise<void> {
    if (this.memoryTimer) clearInterval(this.memoryTimer);
    await this.federation.stop();
    const closing = Promise.all([this.closeServers(), this.mgmt?.close()]);
    for (const c of [...this.connections]) c.forceClose("broker forced connection closure with reason 'shutdown'");
    // Give sockets a moment to flush the close frame, then drop stragglers so close() can finish.
    const deadline = Date.now() + 500;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sockets) s.destroy();
    await closing;
    await this.store.close();
  }

  private async closeServers(): Promise<void> {
    await closeAll(this.servers);
    this.servers.length = 0;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
