/**
 * `qpid-messaging/rpc`: oslo.messaging's RPC and notifications over the messaging API, wire-compatible
 * with oslo.messaging's rabbit driver (docs/rpc.md), so Node and Python services share one bus.
 */
export { type PrepareOptions, RpcClient, type RpcClientOptions, remoteErrorOf } from './client.js';
export { type Endpoint, RpcDispatcher } from './dispatcher.js';
export {
  type Context,
  ENVELOPE_VERSION,
  type MessageDict,
  NODE_MODULE,
  UnsupportedRpcEnvelopeVersion,
} from './envelope.js';
export {
  ClientSendError,
  InvalidTarget,
  MessagingTimeout,
  NoSuchMethod,
  RemoteError,
  RpcError,
  RpcVersionCapError,
  UnsupportedVersion,
} from './errors.js';
export { pyJsonDumps } from './json.js';
export {
  type NotificationEndpoint,
  NotificationFilter,
  type NotificationFilterInit,
  NotificationListener,
  type NotificationListenerOptions,
  type NotificationMetadata,
  NotificationResult,
} from './listener.js';
export { Notifier, type NotifierDriver, type NotifierOptions, PRIORITIES, type Priority } from './notifier.js';
export { RpcServer, type RpcServerOptions } from './server.js';
export { Target, type TargetInit, versionIsCompatible } from './target.js';
export { DEFAULT_CONTROL_EXCHANGE, RpcTransport, type TransportOptions, transportFor } from './transport.js';
