// qpidd's --mgmt-port option, run in-process through main().
import { createServer } from 'node:net';
import { describe, expect, test } from 'vitest';
import type { Broker } from '../../src/broker/index.js';
import { main } from '../../src/cli/qpidd.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

describe('qpidd --mgmt-port', () => {
  test('--port 0 alone gives the management API a free port and prints its URL on a second line', async () => {
    const c = capture();
    const b = (await main(['--port', '0', '--interface', '127.0.0.1', '--log-enable', 'error'], c.io)) as Broker;
    try {
      expect(c.out).toEqual([
        `qpidd listening on ${b.url}\n`,
        `qpidd management on ${b.mgmtUrl} (web console and API)\n`,
      ]);
      expect(b.mgmtPort).toBeGreaterThan(0);
      expect(b.mgmtPort).not.toBe(15672);
      const res = await fetch(`${b.mgmtUrl}/api/whoami`, {
        headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      });
      expect(await res.json()).toEqual({ name: 'guest', tags: ['administrator'] });
    } finally {
      await b.stop();
    }
  });

  test('a taken management port fails with one line naming it and exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const c = capture();
    try {
      const result = await main(['--port', '0', '--interface', '127.0.0.1', '--mgmt-port', String(port)], c.io);
      expect(result).toBe(1);
      expect(c.err).toEqual([`qpidd: cannot listen on port ${port}: EADDRINUSE\n`]);
    } finally {
      blocker.close();
    }
  });
});
