/** Shared pieces of the admin tools (qpid-config, qpid-stat). */

export * from './access-client.js';
export * from './broker-url.js';
export * from './discover.js';
export * from './management-client.js';
