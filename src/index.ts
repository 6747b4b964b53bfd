/**
 * qpid-messaging: Apache Qpid's address-based messaging API over AMQP 0-9-1. The bundled broker is
 * exported separately from `qpid-messaging/broker`.
 */
export * from './messaging/index.js';
export { type Decimal, type FieldTable, type FieldValue, Typed, type TypedKind } from './protocol/field-types.js';
