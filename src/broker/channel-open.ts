/** The checks of a client's channel.open, as rabbit_reader makes them before it creates the channel. */
import type { BrokerCore } from './broker-core.js';
import { channelError, notAllowed } from './errors.js';

/**
 * Refuses channel `id` when the connection has `open` channels under the
 * negotiated `channelMax` (0: no limit), or the user's max-channels limit is reached.
 */
export function checkChannelOpen(
  b: Pick<BrokerCore, 'options' | 'access' | 'countConnections'>,
  user: string,
  id: number,
  open: number,
  channelMax: number,
): void {
  // RabbitMQ limits the number of open channels to channel_max, not the channel number.
  if (channelMax !== 0 && open >= channelMax) {
    throw notAllowed(`number of channels opened (${open}) has reached the negotiated channel_max (${channelMax})`);
  }
  // connection.tune channel-max: "usable channel numbers are in the range 1..channel-max".
  // RabbitMQ 3.10 accepts any number (it counts channels only, above); we refuse as the spec says.
  if (channelMax !== 0 && id > channelMax) {
    throw channelError(`channel number ${id} is above the negotiated channel_max (${channelMax})`).at(20, 10);
  }
  checkUserChannelLimit(b, user);
}

/** rabbit_reader:create_channel's per-user limit (max-channels), counted over the user's connections. */
function checkUserChannelLimit(b: Pick<BrokerCore, 'options' | 'access' | 'countConnections'>, user: string): void {
  if (!b.options.auth) return;
  const limit = b.access.userLimit(user, 'max-channels');
  if (limit === undefined) return;
  let open = 0;
  b.countConnections((c) => {
    if (c.user === user) open += c.channels.size;
    return false;
  });
  if (open >= limit) {
    throw notAllowed(
      `number of channels opened for user '${user}' has reached the maximum allowed user limit of (${limit})`,
    );
  }
}
