export { Broker, PRODUCT, VERSION } from './broker.js';
export type { BrokerOptions, LogLevel } from './options.js';
export { DEFAULT_OPTIONS, LOG_LEVELS } from './options.js';
