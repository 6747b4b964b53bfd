/**
 * One built-in shovel (a Qpid federation link + bridge): an amqplib client of the source broker that
 * consumes with acknowledgements and feeds the local vhost (local-publish.ts). A source message is
 * acknowledged only after the local queues have it (stored, for persistent messages on durable
 * queues), so a crash of either side redelivers instead of losing. Reconnects with back-off
 * (reconnect-delay doubling to 30 s). Counters and state are what /api/shovels and qpid-stat show.
 * A dynamic route (`qpid.dynamic`) also mirrors the local exchange's bindings onto the source queue
 * (dynamic-bindings.ts); every link stamps and checks the federation trace (trace.ts). A push route
 * (remote `dest-uri`) publishes to the destination broker instead (remote-destination.ts).
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { VHost } from '../vhost.js';
import { DynamicBindings, type MirroredBinding } from './dynamic-bindings.js';
import { FEDERATION_ID_PROPERTY } from './federation-id.js';
import { propertiesOf, publishLocal } from './local-publish.js';
import { RemoteDestination } from './remote-destination.js';
import type { ShovelDefinition } from './shovel-definition.js';
import { traceOf, withTrace } from './trace.js';

export type LinkState = 'starting' | 'running' | 'reconnecting' | 'terminated';

export interface LinkCounters {
  /** Messages consumed from the source. */
  received: number;
  /** Messages the local vhost took (routed and stored). */
  forwarded: number;
  /** Messages that matched no local queue (acked: as RabbitMQ's shovel, unroutable is not an error). */
  unroutable: number;
  /** Source acknowledgements sent. */
  acked: number;
  /** Connections made to the source after the first. */
  reconnects: number;
  /** Messages dropped (and acked) because their trace held this broker's id: they came round a ring. */
  looped: number;
}

/** What a link needs from the broker. */
export interface LinkEnv {
  /** This broker's federation id (federation-id.ts), written into and looked for in the trace. */
  readonly federationId: string;
  log(line: string): void;
  /** A dynamic route's bindings at the source as an earlier run left them (durable routes). */
  readonly savedBindings?: readonly MirroredBinding[];
  /** A dynamic route's bindings at the source changed (Federation saves a durable route's). */
  bindingsChanged?(): void;
}

const MAX_DELAY_S = 30;

export class FederationLink {
  state: LinkState = 'starting';
  lastError = '';
  /** Date.now() of the last state change. */
  since = Date.now();
  readonly counters: LinkCounters = { received: 0, forwarded: 0, unroutable: 0, acked: 0, reconnects: 0, looped: 0 };
  /** The binding mirror of a dynamic route; undefined for a static one. */
  readonly dynamic: DynamicBindings | undefined;
  private model: ChannelModel | undefined;
  /** A push route's destination connection, open while the link runs. */
  private destination: RemoteDestination | undefined;
  /** The source broker's federation id, from its server properties (RabbitMQ has none). */
  private sourceId: string | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private connects = 0;
  private delay: number;

  constructor(
    readonly name: string,
    readonly vhost: VHost,
    readonly definition: ShovelDefinition,
    private readonly env: LinkEnv,
  ) {
    this.delay = definition.reconnectDelay;
    if (definition.dynamic) {
      const exchange = definition.destExchange as string; // parseShovelDefinition requires it
      this.dynamic = new DynamicBindings({
        vhost,
        exchange,
        selfId: env.federationId,
        onError: (e) => {
          this.lastError = e;
        },
        ...(env.savedBindings === undefined ? {} : { saved: env.savedBindings }),
        ...(env.bindingsChanged === undefined ? {} : { changed: env.bindingsChanged }),
      });
    }
  }

  start(): void {
    void this.connect();
  }

  /** Stops consuming and closes the source connection; unacked messages go back to the source queue. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.setState('terminated');
    this.dynamic?.close();
    const m = this.model;
    this.model = undefined;
    await m?.close().catch(() => undefined);
    await this.closeDestination();
  }

  private async closeDestination(): Promise<void> {
    const d = this.destination;
    this.destination = undefined;
    await d?.close();
  }

  /** The source URI with its password hidden (RabbitMQ's shovel status does the same). */
  get sourceUri(): string {
    return hidePassword(this.definition.srcUri);
  }

  /** The destination URI with its password hidden: `amqp://` for this broker's own vhost. */
  get destinationUri(): string {
    return hidePassword(this.definition.destUri ?? 'amqp://');
  }

  private setState(state: LinkState, error?: string): void {
    if (this.state !== state) this.since = Date.now();
    this.state = state;
    if (error !== undefined) this.lastError = error;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let model: ChannelModel | undefined;
    try {
      model = await amqp.connect(this.definition.srcUri, {
        clientProperties: { product: 'qpid-messaging federation' },
      });
      if (this.stopped) {
        await model.close().catch(() => undefined);
        return;
      }
      // Close events count only once subscribed (this.model set): a failure while subscribing is
      // retried once, by the catch below, never also by a close handler (two links would consume).
      model.on('error', () => undefined);
      const id = model.connection.serverProperties[FEDERATION_ID_PROPERTY];
      this.sourceId = typeof id === 'string' && id !== '' ? id : undefined;
      model.on('close', () => this.onClose(model as ChannelModel, 'source connection closed'));
      const destUri = this.definition.destUri;
      if (destUri !== undefined) {
        this.destination = await RemoteDestination.open(destUri, (why) => this.onClose(model as ChannelModel, why));
      }
      const ch = await model.createChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => this.onClose(model as ChannelModel, 'source channel closed'));
      await this.subscribe(ch);
      this.model = model;
      if (this.connects++ > 0) this.counters.reconnects++;
      this.delay = this.definition.reconnectDelay;
      this.setState('running', '');
      this.env.log(`federation link ${this.name}: running from ${this.sourceUri}`);
    } catch (err) {
      this.dynamic?.detach();
      if (model) await model.close().catch(() => undefined);
      await this.closeDestination();
      this.retry(err instanceof Error ? err.message : String(err));
    }
  }

  private onClose(model: ChannelModel, why: string): void {
    if (this.model !== model || this.stopped) return;
    this.model = undefined;
    this.dynamic?.detach();
    void model.close().catch(() => undefined);
    void this.closeDestination();
    this.retry(why);
  }

  private retry(error: string): void {
    if (this.stopped) return;
    this.setState('reconnecting', error);
    if (this.timer !== undefined) return; // one reconnect at a time
    const wait = this.delay;
    this.delay = Math.min(MAX_DELAY_S, Math.max(0.1, this.delay * 2));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, wait * 1000);
  }

  private async subscribe(ch: Channel): Promise<void> {
    const d = this.definition;
    if (d.linkOnly) return; // a link without routes: connected, nothing to consume
    let queue = d.srcQueue;
    if (queue === undefined) {
      // An exchange source: a private queue, as RabbitMQ's shovel declares (lost with the link; use a
      // queue source — qpid-route's durable routes do — when nothing may be missed while it is down).
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      queue = q.queue;
      if (!d.dynamic) await ch.bindQueue(queue, d.srcExchange as string, d.srcExchangeKey);
    } else {
      await ch.checkQueue(queue);
    }
    if (this.dynamic !== undefined) {
      // Bindings before consuming: the source queue then holds only what the local queues want.
      const exchange = d.srcExchange ?? (d.destExchange as string);
      await this.dynamic.attach({ channel: ch, queue, exchange, sourceId: this.sourceId });
    }
    const noAck = d.ackMode === 'no-ack';
    if (!noAck) await ch.prefetch(d.prefetchCount);
    await ch.consume(queue, (m) => m && void this.forward(ch, m), { noAck });
  }

  private async forward(ch: Channel, m: ConsumeMessage): Promise<void> {
    this.counters.received++;
    const d = this.definition;
    const exchange = d.destExchange ?? m.fields.exchange;
    const key = d.destExchangeKey ?? m.fields.routingKey;
    const properties = propertiesOf(m.properties);
    const trace = traceOf(properties);
    // A pull link is the destination (stamps the source's id and its own); a push link is the source.
    const dest = this.destination;
    const self = dest === undefined ? this.env.federationId : dest.federationId;
    if (self !== undefined && trace.includes(self)) {
      this.counters.looped++;
      if (d.ackMode !== 'no-ack' && settle(ch, m, true)) this.counters.acked++;
      return;
    }
    this.dynamic?.watch();
    const from = dest === undefined ? this.sourceId : this.env.federationId;
    const stamped = withTrace(
      properties,
      trace,
      [from, self].filter((id) => id !== undefined),
    );
    let outcome: Awaited<ReturnType<typeof publishLocal>>;
    try {
      outcome = dest
        ? await dest.publish(exchange, key, stamped, m.content).then(() => 'routed' as const)
        : await publishLocal(this.vhost, exchange, key, stamped, m.content);
    } catch (err) {
      // The local store failed, or the destination of a push route nacked or went away: give the
      // message back to the source and try again later (a pause, so a nacking destination, e.g. a
      // full reject-publish queue, does not spin the message round).
      if (d.ackMode !== 'no-ack') settle(ch, m, false);
      this.lastError = err instanceof Error ? err.message : String(err);
      if (dest) await new Promise((r) => setTimeout(r, 200));
      return;
    }
    if (outcome === 'no-exchange' || outcome === 'rejected') {
      // Nothing taken locally: requeue at the source rather than drop (the exchange may come back,
      // a full queue may drain); RabbitMQ's shovel would fail the link on a missing exchange.
      if (d.ackMode !== 'no-ack') settle(ch, m, false);
      this.lastError =
        outcome === 'no-exchange' ? `no exchange '${exchange}' in vhost '${this.vhost.name}'` : 'local queue full';
      await new Promise((r) => setTimeout(r, 200));
      return;
    }
    if (outcome === 'routed') this.counters.forwarded++;
    else this.counters.unroutable++;
    if (d.ackMode !== 'no-ack' && settle(ch, m, true)) this.counters.acked++;
  }
}

function hidePassword(uri: string): string {
  return uri.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Acks (or requeues) at the source. A channel that closed meanwhile (source restart, link stopped)
 * throws: the source redelivers those messages to the next link, so at-least-once still holds.
 */
function settle(ch: Channel, m: ConsumeMessage, ack: boolean): boolean {
  try {
    if (ack) ch.ack(m);
    else ch.nack(m, false, true);
    return true;
  } catch {
    return false;
  }
}
