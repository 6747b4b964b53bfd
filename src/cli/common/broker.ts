/**
 * The connection settings for the broker and connection options of the messaging tools
 * (common/options.ts BROKER_OPTIONS): -b/--broker (every URL form src/messaging/url.ts reads),
 * --connection-options "{k: v, ...}" in Qpid's map grammar, and the reconnect flags -r/-i/-l of the
 * Python tools.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '../../index.js';
import { Connection, parseRawAddress, parseUrl } from '../../index.js';
import { UsageError } from './errors.js';
import { type BrokerArgs, DEFAULT_BROKER, DEFAULT_RECONNECT_INTERVAL } from './options.js';

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'map';

// Qpid's connection option names ([py] snake_case, [cpp] also dash-case) → ConnectionOptions keys.
const CONNECTION_OPTIONS: Record<string, [keyof ConnectionOptions, Kind]> = {
  username: ['username', 'string'],
  password: ['password', 'string'],
  sasl_mechanisms: ['saslMechanisms', 'string'],
  sasl_mechanism: ['saslMechanisms', 'string'],
  heartbeat: ['heartbeat', 'number'],
  reconnect: ['reconnect', 'boolean'],
  reconnect_timeout: ['reconnectTimeout', 'number'],
  reconnect_limit: ['reconnectLimit', 'number'],
  reconnect_interval: ['reconnectInterval', 'number'],
  reconnect_interval_min: ['reconnectIntervalMin', 'number'],
  reconnect_interval_max: ['reconnectIntervalMax', 'number'],
  reconnect_urls: ['reconnectUrls', 'strings'],
  tcp_nodelay: ['tcpNodelay', 'boolean'],
  virtualhost: ['virtualhost', 'string'],
  connect_timeout: ['connectTimeout', 'number'],
  transport: ['transport', 'string'],
  ssl_skip_hostname_check: ['sslSkipHostnameCheck', 'boolean'],
  client_properties: ['clientProperties', 'map'],
};

const SSL_FILES: Record<string, 'key' | 'cert' | 'ca'> = {
  ssl_keyfile: 'key',
  ssl_certfile: 'cert',
  ssl_trustfile: 'ca',
};

function readPem(option: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`connection option ${option}: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`);
  }
}

/** Parses `{name: value, ...}` (Qpid map grammar) into ConnectionOptions; unknown names are usage errors. */
export function parseConnectionOptions(text: string): ConnectionOptions {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let map: Record<string, unknown>;
  try {
    // The address parser reads the map grammar; a dummy name in front makes the text an address.
    map = parseRawAddress(`x; ${trimmed}`).options as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`invalid --connection-options ${text}: ${(e as Error).message}`);
  }
  const out: Record<string, unknown> = {};
  for (const [rawName, value] of Object.entries(map)) {
    const name = rawName.replace(/-/g, '_');
    const tlsKey = SSL_FILES[name];
    if (tlsKey !== undefined) {
      // [py] ssl_keyfile, ssl_certfile, ssl_trustfile: PEM files for amqps:// (or transport: ssl).
      const tls = (out['tls'] ??= {}) as Record<string, Buffer>;
      tls[tlsKey] = readPem(rawName, checkKind(rawName, value, 'string') as string);
      continue;
    }
    const spec = CONNECTION_OPTIONS[name];
    if (!spec) throw new UsageError(`Invalid option: ${rawName} not recognised`);
    const [key, kind] = spec;
    out[key] = checkKind(rawName, value, kind);
  }
  if (out['transport'] !== undefined && !['tcp', 'ssl', 'tls'].includes(out['transport'] as string)) {
    throw new UsageError(`connection option transport: expected tcp, ssl or tls, got ${String(out['transport'])}`);
  }
  return out as ConnectionOptions;
}

function checkKind(name: string, value: unknown, kind: Kind): unknown {
  const bad = (what: string) => new UsageError(`connection option ${name}: expected ${what}, got ${String(value)}`);
  switch (kind) {
    case 'string':
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      throw bad('a string');
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw bad('a number');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || value === 0) return value === 1;
      throw bad('True or False');
    case 'strings':
      if (typeof value === 'string') return value.split(/[\s,]+/).filter((s) => s !== '');
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
      throw bad('a URL or a list of URLs');
    case 'map':
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
      throw bad('a map');
  }
}

/**
 * The URL and ConnectionOptions for the broker flags. --connection-options come first; -r/-i/-l given
 * on the command line win over them. Throws UsageError for a malformed URL or option.
 */
export function connectionSettings(args: BrokerArgs): { url: string; options: ConnectionOptions } {
  const url = args.broker ?? DEFAULT_BROKER;
  try {
    parseUrl(url);
  } catch (e) {
    throw new UsageError(`invalid --broker ${url}: ${(e as Error).message}`);
  }
  const options: ConnectionOptions = parseConnectionOptions(args['connection-options'] ?? '');
  if (args.reconnect) options.reconnect = true;
  const interval = args['reconnect-interval'];
  if (interval !== undefined) {
    if (!Number.isFinite(interval) || interval < 0)
      throw new UsageError('option --reconnect-interval: expected seconds ≥ 0');
    options.reconnectInterval = interval;
  } else if (
    options.reconnectInterval === undefined &&
    options.reconnectIntervalMin === undefined &&
    options.reconnectIntervalMax === undefined
  ) {
    options.reconnectInterval = DEFAULT_RECONNECT_INTERVAL;
  }
  const limit = args['reconnect-limit'];
  if (limit !== undefined) {
    if (!Number.isInteger(limit)) throw new UsageError('option --reconnect-limit: expected an integer');
    options.reconnectLimit = limit;
  }
  return { url, options };
}

/**
 * Connects with the settings (logging the attempt under -v), runs `job` on the connection and closes
 * it however the job ends; a failure to connect or of the job is the caller's to report.
 */
export async function withConnection<T>(
  settings: { url: string; options: ConnectionOptions },
  log: (text: string) => void,
  job: (connection: Connection) => Promise<T>,
): Promise<T> {
  log(`connecting to ${settings.url}`);
  const connection = await Connection.establish(settings.url, settings.options);
  try {
    return await job(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
