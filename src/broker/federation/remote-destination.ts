/**
 * The destination of a push route (a shovel with a remote `dest-uri`, `qpid-route -s`): an amqplib
 * confirm channel to the destination broker. A message counts as taken once the destination's
 * publisher confirm arrived (RabbitMQ's shovel `ack-mode: on-confirm`), so the link acks the local
 * source only then, as a pull link acks its remote source after the local store (local-publish.ts).
 */
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { BasicProperties } from '../../protocol/index.js';
import { FEDERATION_ID_PROPERTY } from './federation-id.js';

export class RemoteDestination {
  private constructor(
    private readonly model: ChannelModel,
    private readonly channel: ConfirmChannel,
    /** The destination's federation id, from its server properties (RabbitMQ has none). */
    readonly federationId: string | undefined,
  ) {}

  /** Connects; `closed` is called once if the connection or channel goes away. */
  static async open(uri: string, closed: (why: string) => void): Promise<RemoteDestination> {
    const model = await amqp.connect(uri, { clientProperties: { product: 'qpid-messaging federation' } });
    model.on('error', () => undefined);
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined);
      let once = false;
      const fire = (why: string) => {
        if (once) return;
        once = true;
        closed(why);
      };
      model.on('close', () => fire('destination connection closed'));
      channel.on('close', () => fire('destination channel closed'));
      const id = model.connection.serverProperties[FEDERATION_ID_PROPERTY];
      return new RemoteDestination(model, channel, typeof id === 'string' && id !== '' ? id : undefined);
    } catch (e) {
      await model.close().catch(() => undefined);
      throw e;
    }
  }

  /** Publishes and resolves on the destination's confirm; rejects on a nack or a closed channel. */
  publish(exchange: string, routingKey: string, properties: BasicProperties, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.channel.publish(exchange, routingKey, body, properties as amqp.Options.Publish, (err) =>
          err ? reject(err instanceof Error ? err : new Error('destination refused the message')) : resolve(),
        );
      } catch (e) {
        reject(e);
      }
    });
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => undefined);
  }
}
