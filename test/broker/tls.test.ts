// AMQP over TLS and HTTPS management on the bundled broker, with a CA, a
// server certificate and client certificates made by openssl in the test:
// verify and no-verify, a wrong CA refused, client certificates required or
// not, SASL EXTERNAL from the certificate CN; the messaging API, amqplib,
// qpidd's flags and qpid-ctl over HTTPS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import type { TlsListenerOptions } from '../../src/broker/options.js';
import { main } from '../../src/cli/qpidd.js';
import { Connection } from '../../src/messaging/index.js';
import { run } from '../cli/admin-helpers.js';
import { run as runClient } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'qpid-tls-'));
const file = (n: string) => join(dir, n);
const pem = (n: string) => readFileSync(file(n));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and certificates it signs (EC P-256 keys: quick to make). */
function makeCa(name: string): void {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
}

function makeCert(ca: string, name: string, cn: string, san?: string): void {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  const ext = `${name}.ext`;
  writeFileSync(file(ext), san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    '-extfile',
    ext,
  );
}

beforeAll(() => {
  makeCa('ca');
  makeCa('other-ca');
  makeCert('ca', 'server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  makeCert('ca', 'client', 'tls-user');
  makeCert('other-ca', 'stranger', 'tls-user');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop().catch(() => {});
});

async function start(tls: Partial<TlsListenerOptions> = {}, extra: Parameters<typeof Broker.start>[0] = {}) {
  const b = await Broker.start({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    tls: {
      port: 0,
      cert: pem('server.pem'),
      key: pem('server.key'),
      ca: pem('ca.pem'),
      verify: 'none',
      failIfNoPeerCert: false,
      external: false,
      ...tls,
    },
    ...extra,
  });
  brokers.push(b);
  return b;
}

/** amqplib over TLS: 'opened' or the error's code (socket errors) / message. */
async function tryAmqps(port: number, opts: Record<string, unknown>, credentials?: unknown): Promise<string> {
  try {
    // amqplib takes SASL credentials from the socket options.
    const url = { protocol: 'amqps', hostname: '127.0.0.1', port, username: 'guest', password: 'guest' };
    const c = await amqp.connect(url as never, credentials ? { ...opts, credentials } : opts);
    const ch = await c.createChannel();
    await ch.checkExchange('amq.direct');
    await c.close();
    return 'opened';
  } catch (e) {
    return String((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

describe('AMQPS listener', () => {
  test('the messaging API sends and receives over amqps:// with the CA', async () => {
    const b = await start();
    const c = await Connection.establish(`amqps://guest:guest@localhost:${b.tlsPort}`, { tls: { ca: pem('ca.pem') } });
    try {
      const s = await c.session();
      const snd = await s.sender('tls-q; {create: always, delete: always}');
      await snd.send('over tls');
      const rcv = await s.receiver('tls-q');
      expect((await rcv.fetch(5)).content).toBe('over tls');
    } finally {
      await c.close();
    }
  });

  test('verify: the wrong CA is refused; rejectUnauthorized false (no verify) connects; a servername is checked', async () => {
    const b = await start();
    const port = b.tlsPort as number;
    expect(await tryAmqps(port, { ca: pem('other-ca.pem'), servername: 'localhost' })).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i,
    );
    expect(await tryAmqps(port, { rejectUnauthorized: false })).toBe('opened');
    expect(await tryAmqps(port, { ca: pem('ca.pem'), servername: 'localhost' })).toBe('opened');
    expect(await tryAmqps(port, { ca: pem('ca.pem'), servername: 'elsewhere.example' })).toMatch(
      /ERR_TLS_CERT_ALTNAME_INVALID|altname/i,
    );
    // The plain listener keeps working beside it.
    const plain = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b.port}`);
    await plain.close();
  });

  test('verify peer: without fail-if-no-peer-cert a client without a certificate connects, one from another CA does not', async () => {
    const b = await start({ verify: 'peer' });
    const port = b.tlsPort as number;
    const ca = pem('ca.pem');
    expect(await tryAmqps(port, { ca })).toBe('opened');
    expect(await tryAmqps(port, { ca, cert: pem('client.pem'), key: pem('client.key') })).toBe('opened');
    expect(await tryAmqps(port, { ca, cert: pem('stranger.pem'), key: pem('stranger.key') })).not.toBe('opened');
  });

  test('verify peer + fail-if-no-peer-cert: only clients with a valid certificate get in', async () => {
    const b = await start({ verify: 'peer', failIfNoPeerCert: true });
    const port = b.tlsPort as number;
    const ca = pem('ca.pem');
    expect(await tryAmqps(port, { ca })).not.toBe('opened');
    expect(await tryAmqps(port, { ca, cert: pem('client.pem'), key: pem('client.key') })).toBe('opened');
  });

  test('SASL EXTERNAL: the certificate CN is the user, who must exist; the management API shows ssl', async () => {
    const b = await start({ verify: 'peer', failIfNoPeerCert: true, external: true }, { mgmtPort: 0 });
    const port = b.tlsPort as number;
    const opts = { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') };
    const external = amqp.credentials.external();
    expect(await tryAmqps(port, opts, external)).toMatch(/403|ACCESS_REFUSED|refused|closed/i);
    b.access.putUser('tls-user', { tags: [] });
    b.access.setPermissions('tls-user', '/', { configure: '.*', write: '.*', read: '.*' });
    const c = await amqp.connect({ protocol: 'amqps', hostname: '127.0.0.1', port } as never, {
      ...opts,
      credentials: external,
    });
    const list = (await (
      await fetch(`${b.mgmtUrl}/api/connections`, {
        headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      })
    ).json()) as { user: string; ssl: boolean }[];
    expect(list.map((x) => [x.user, x.ssl])).toContainEqual(['tls-user', true]);
    await c.close();
    // Without EXTERNAL offered, the CN gives no way in.
    const plainTls = await start({ verify: 'peer', external: false });
    expect(await tryAmqps(plainTls.tlsPort as number, opts, external)).not.toBe('opened');
  });
});

describe('spout and drain over amqps://', () => {
  test('ssl_trustfile (Qpid Python) trusts the CA; without it the certificate is refused', async () => {
    const b = await start();
    const url = `amqps://guest:guest@localhost:${b.tlsPort}`;
    const opts = ['--connection-options', `{ssl_trustfile: '${file('ca.pem')}'}`];
    const sent = await runClient('spout', ['-b', url, ...opts, 'tls-cli; {create: always}', 'hello over tls']);
    expect(sent.code, sent.stderr).toBe(0);
    const got = await runClient('drain', ['-b', url, ...opts, '-t', '2', 'tls-cli']);
    expect(got.stdout).toContain('hello over tls');
    const refused = await runClient('spout', ['-b', url, 'tls-cli', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('qpidd flags and HTTPS management', () => {
  test('--tls-* and --mgmt-tls-* start both listeners; qpid-ctl talks HTTPS with the CA trusted', async () => {
    const io = { stdout: () => {}, stderr: () => {} };
    const b = await main(
      [
        '--port',
        '0',
        '--no-data-dir',
        '--mgmt-port',
        '0',
        '--log-enable',
        'error',
        '--tls-port',
        '0',
        '--tls-cert',
        file('server.pem'),
        '--tls-key',
        file('server.key'),
        '--tls-ca',
        file('ca.pem'),
        '--tls-verify',
        'peer',
        '--mgmt-tls-cert',
        file('server.pem'),
        '--mgmt-tls-key',
        file('server.key'),
      ],
      io,
      {},
    );
    if (typeof b === 'number') throw new Error(`qpidd exited ${b}`);
    brokers.push(b);
    expect(b.mgmtUrl).toMatch(/^https:\/\//);
    expect(await tryAmqps(b.tlsPort as number, { ca: pem('ca.pem'), servername: 'localhost' })).toBe('opened');
    const mgmt = (b.mgmtUrl as string).replace('127.0.0.1', 'localhost');
    const ctl = await run('qpid-ctl', ['--mgmt-url', mgmt, 'list_vhosts'], 20_000, {
      NODE_EXTRA_CA_CERTS: file('ca.pem'),
    });
    expect(ctl.stdout).toBe('Listing vhosts ...\nname\n/\n');
    const untrusted = await run('qpid-ctl', ['--mgmt-url', mgmt, 'list_vhosts']);
    expect(untrusted.code).toBe(1);
  });

  test('bad TLS flags are usage errors', async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => void err.push(s) };
    expect(await main(['--port', '0', '--no-data-dir', '--tls-cert', file('server.pem')], io, {})).toBe(2);
    expect(
      await main(
        ['--port', '0', '--no-data-dir', '--tls-cert', file('nope.pem'), '--tls-key', file('server.key')],
        io,
        {},
      ),
    ).toBe(2);
    expect(err.join('')).toContain('--tls-cert and --tls-key go together');
    expect(err.join('')).toMatch(/--tls-cert: cannot read .*nope\.pem: ENOENT/);
  });
});

// The same client side against RabbitMQ's own AMQPS listener (scripts/rabbitmq-node.sh makes its CA and
// certificate; CI exports RABBITMQ_TLS_URL and RABBITMQ_TLS_CA), so amqps:// is proven on both brokers.
const rabbitTlsUrl = process.env['RABBITMQ_TLS_URL'] || undefined;
const rabbitTlsCa = process.env['RABBITMQ_TLS_CA'] || undefined;
if (process.env['CI'] && (!rabbitTlsUrl || !rabbitTlsCa)) {
  throw new Error('CI is set but RABBITMQ_TLS_URL/RABBITMQ_TLS_CA are not: the RabbitMQ TLS tests would be skipped');
}
describe.runIf(rabbitTlsUrl !== undefined && rabbitTlsCa !== undefined)('amqps:// to RabbitMQ', () => {
  const url = rabbitTlsUrl as string;
  const ca = () => readFileSync(rabbitTlsCa as string);

  test('the messaging API sends and receives with the CA; a wrong CA is refused', async () => {
    const q = `tls-rmq-${process.pid}-${Date.now().toString(36)}`;
    const c = await Connection.establish(url, { tls: { ca: ca() } });
    try {
      const s = await c.session();
      const snd = await s.sender(`${q}; {create: always, delete: always}`);
      await snd.send('over tls to rabbitmq');
      const rcv = await s.receiver(q);
      expect((await rcv.fetch(5)).content).toBe('over tls to rabbitmq');
    } finally {
      await c.close();
    }
    const wrong = await Connection.establish(url, { tls: { ca: pem('other-ca.pem') } }).then(
      async (conn) => {
        await conn.close();
        return 'opened';
      },
      (e: Error) => e.message,
    );
    expect(wrong).not.toBe('opened');
  });

  test('spout and drain with ssl_trustfile; without it the certificate is refused', async () => {
    const q = `tls-rmq-cli-${process.pid}-${Date.now().toString(36)}`;
    const opts = ['--connection-options', `{ssl_trustfile: '${rabbitTlsCa}'}`];
    const sent = await runClient('spout', ['-b', url, ...opts, `${q}; {create: always}`, 'hello rabbit over tls']);
    expect(sent.code, sent.stderr).toBe(0);
    const got = await runClient('drain', ['-b', url, ...opts, '-t', '2', `${q}; {delete: always}`]);
    expect(got.stdout).toContain('hello rabbit over tls');
    const refused = await runClient('spout', ['-b', url, `${q}-x`, 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
  });
});
