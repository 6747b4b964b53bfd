export { Broker, MANAGEMENT_URL_PROPERTY, PRODUCT, VERSION } from './broker.js';
export type { BrokerOptions, LogLevel } from './options.js';
export { DEFAULT_OPTIONS, LOG_LEVELS, stderrLogger } from './options.js';
