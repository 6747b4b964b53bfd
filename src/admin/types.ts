/**
 * Response shapes of the management API (RabbitMQ 3.10's field names), as
 * far as the admin tools read them. Fields RabbitMQ sends only sometimes
 * (message_stats before any traffic, Erlang-only details) are optional.
 */

export interface Rate {
  rate: number;
}

export type Arguments = Record<string, unknown>;

export interface QueueMessageStats {
  publish?: number;
  publish_details?: Rate;
  deliver_get?: number;
  deliver_get_details?: Rate;
  ack?: number;
  ack_details?: Rate;
  redeliver?: number;
  redeliver_details?: Rate;
  deliver?: number;
  deliver_details?: Rate;
  deliver_no_ack?: number;
  deliver_no_ack_details?: Rate;
  get?: number;
  get_details?: Rate;
  get_no_ack?: number;
  get_no_ack_details?: Rate;
}

export interface ExchangeMessageStats {
  publish_in?: number;
  publish_in_details?: Rate;
  publish_out?: number;
  publish_out_details?: Rate;
}

export interface QueueInfo {
  name: string;
  vhost: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Arguments;
  /** Absent on RabbitMQ until the first statistics event (≤ 5 s after declare). */
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  consumers?: number;
  memory?: number;
  state?: string;
  message_bytes?: number;
  message_stats?: QueueMessageStats;
  consumer_details?: ConsumerInfo[];
  /** Bundled broker only: messages dropped, by cause. */
  qpid_discards?: QueueDiscards;
}

export interface QueueDiscards {
  ring_overflow: number;
  limit_overflow: number;
  ttl_expired: number;
  subscriber_reject: number;
  dead_lettered: number;
  purged: number;
}

export interface ExchangeInfo {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Arguments;
  message_stats?: ExchangeMessageStats;
}

export interface BindingInfo {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Arguments;
  properties_key: string;
}

export interface ConnectionInfo {
  name: string;
  user: string;
  vhost: string;
  host: string;
  port: number;
  peer_host: string;
  peer_port: number;
  channels: number;
  state: string;
  recv_oct?: number;
  send_oct?: number;
  recv_cnt?: number;
  send_cnt?: number;
  connected_at: number;
  client_properties: Record<string, unknown>;
  protocol: string;
  frame_max: number;
  timeout: number;
}

export interface ChannelInfo {
  name: string;
  number: number;
  user: string;
  vhost: string;
  connection_details: { name: string; peer_host: string; peer_port: number };
  consumer_count: number;
  messages_unacknowledged: number;
  prefetch_count: number;
  confirm: boolean;
  transactional: boolean;
  state?: string;
}

export interface ConsumerInfo {
  consumer_tag: string;
  queue: { name: string; vhost: string };
  channel_details: {
    name?: string;
    number?: number;
    connection_name?: string;
    peer_host?: string;
    peer_port?: number;
    user?: string;
  };
  ack_required: boolean;
  exclusive: boolean;
  prefetch_count: number;
  arguments: Arguments;
}

export interface Listener {
  node: string;
  protocol: string;
  ip_address: string;
  port: number;
}

export interface Overview {
  management_version: string;
  product_name: string;
  product_version: string;
  rabbitmq_version?: string;
  cluster_name: string;
  node: string;
  object_totals: { connections: number; channels: number; exchanges: number; queues: number; consumers: number };
  queue_totals: { messages?: number; messages_ready?: number; messages_unacknowledged?: number };
  message_stats?: QueueMessageStats;
  listeners: Listener[];
}

export interface VhostInfo {
  name: string;
  description?: string;
  tracing?: boolean;
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
}

export interface WhoAmI {
  name: string;
  tags: string[] | string;
}

export interface QueueDeclareBody {
  durable?: boolean;
  auto_delete?: boolean;
  arguments?: Arguments;
}

export interface ExchangeDeclareBody {
  type?: string;
  durable?: boolean;
  auto_delete?: boolean;
  internal?: boolean;
  arguments?: Arguments;
}

export interface BindBody {
  routing_key?: string;
  arguments?: Arguments;
}

export type AckMode = 'ack_requeue_true' | 'ack_requeue_false' | 'reject_requeue_true';

export interface GetBody {
  count: number;
  ackmode: AckMode;
  encoding: 'auto' | 'base64';
  truncate?: number;
}

export interface GotMessage {
  payload_bytes: number;
  redelivered: boolean;
  exchange: string;
  routing_key: string;
  message_count: number;
  /** RabbitMQ sends `[]` for a message without properties. */
  properties: Record<string, unknown> | [];
  payload: string;
  payload_encoding: 'string' | 'base64';
}

export interface PublishBody {
  properties?: Record<string, unknown>;
  routing_key: string;
  payload: string;
  payload_encoding?: 'string' | 'base64';
}
