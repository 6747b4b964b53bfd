export { MANAGEMENT_URL_PROPERTY } from '../protocol/index.js';
export { Broker, PRODUCT, VERSION } from './broker.js';
export type { BrokerOptions, LogLevel, MgmtTlsOptions, TlsListenerOptions } from './options.js';
export { DEFAULT_OPTIONS, LOG_LEVELS, stderrLogger } from './options.js';
