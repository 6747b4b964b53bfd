/**
 * Keys of connection.start server-properties that this package defines (beside RabbitMQ's product,
 * version, capabilities, ...). Shared by the broker that sends them and the tools that read them.
 */

/** The management HTTP API's URL, e.g. `http://127.0.0.1:15672` (docs/management-discovery.md). */
export const MANAGEMENT_URL_PROPERTY = 'qpid.management_url';
