/**
 * The broker's federation id: the tag a federation link writes into a forwarded message's
 * `x-qpid.trace` (docs/federation.md "Dynamic routes and loops"), so that a message coming round a
 * ring of brokers is recognised and dropped. Qpid's qpidd has `--federation-tag` for it
 * (docs/qpid-reference.md §6.7); ours is `--federation-id` (BrokerOptions.federationId), else the id
 * kept in `<data-dir>/federation-id` (created on first use, so it survives restarts), else a random
 * id for the life of the process.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'federation-id';

/** The connection.start server property in which a broker advertises its id (broker.ts); a link reads the source's. */
export const FEDERATION_ID_PROPERTY = 'qpid.federation_id';

export function resolveFederationId(option: string | undefined, dataDir: string | undefined): string {
  if (option !== undefined && option !== '') return option;
  if (dataDir === undefined) return randomUUID();
  const file = join(dataDir, FILE);
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved !== '') return saved;
  }
  const id = randomUUID();
  writeFileSync(file, `${id}\n`);
  return id;
}
