/** Shared pieces of the admin tools (qpid-config, qpid-stat). */
export * from './broker-url.js';
export * from './management-client.js';
