/** The Qpid-style messaging API (qpid.messaging in TypeScript). */
export * from './address/index.js';
export { Connection, type ConnectionEvents, type ConnectionOptions, type TlsOptions } from './connection.js';
export {
  CONTENT_TYPE_JSON,
  CONTENT_TYPE_LIST,
  CONTENT_TYPE_MAP,
  CONTENT_TYPE_TEXT,
  type ContentList,
  type ContentMap,
  decodeContent,
  encodeContent,
  inferContentType,
  type MessageContent,
} from './content-codec.js';
export * from './errors.js';
export type { LeaderPreference } from './leader.js';
export { Message, type MessageInit, type MessageProperties, pyRepr } from './message.js';
export { Receiver, type ReceiverOptions } from './receiver.js';
export type { ReconnectSettings } from './reconnect.js';
export { DEFAULT_SENDER_CAPACITY, Sender, type SenderOptions, type SendOptions } from './sender.js';
export { type AcknowledgeOptions, type Disposition, Session, type SessionOptions } from './session.js';
export { type BrokerUrl, formatUrl, parseUrl } from './url.js';
export { ROUTING_KEY_PROPERTY, SUBJECT_HEADER } from './wire.js';
