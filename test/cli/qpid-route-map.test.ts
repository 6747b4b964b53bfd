/**
 * `qpid-route route map` over three bundled brokers (each found through the management URL it
 * advertises) and one that cannot be reached: Qpid's output line for line (docs/qpid-reference.md §6.6).
 */
import { describe, expect, test } from 'vitest';
import { type TestBroker, testBrokers } from '../helpers/broker.js';
import { hp } from '../helpers/federation.js';
import { closedPort, run } from './admin-helpers.js';

const bundled = testBrokers({ mgmtPort: 0 });

const on = (b: TestBroker, ...a: string[]) => run('qpid-route', ['--mgmt-url', b.broker.mgmtUrl as string, ...a]);

describe('qpid-route route map', () => {
  test('a broker with no routes: none found', async () => {
    const a = await bundled();
    const r = await on(a, 'route', 'map', hp(a.url));
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: `\nFinding Linked Brokers:\n    127.0.0.1:${a.port}... Ok\n\nDynamic Routes:\n  none found\n\nStatic Routes:\n  none found\n\n\n`,
    });
  });

  test('walks every linked broker: dynamic pairs, static, push and queue routes, an unreachable broker', async () => {
    const [a, b, c] = [await bundled(), await bundled(), await bundled()];
    const down = await closedPort();
    const [A, B, C, D] = [a.port, b.port, c.port, down].map((p) => `127.0.0.1:${p}`);
    const ok = async (r: Promise<{ code: number | null; stderr: string }>) =>
      expect(await r).toMatchObject({ code: 0, stderr: '' });
    await ok(on(a, 'route', 'add', hp(a.url), hp(b.url), 'amq.topic', 'news.#'));
    await ok(on(a, 'dynamic', 'add', hp(a.url), hp(c.url), 'amq.topic'));
    await ok(on(c, 'dynamic', 'add', hp(c.url), hp(a.url), 'amq.topic'));
    await ok(on(b, '-s', 'route', 'add', hp(c.url), hp(b.url), 'amq.direct', 'k'));
    await ok(on(c, 'queue', 'add', hp(c.url), `guest/guest@${D}`, 'amq.direct', 'q'));
    const r = await on(a, 'route', 'map', hp(a.url));
    expect(r).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        '',
        'Finding Linked Brokers:',
        `    ${A}... Ok`,
        `    ${B}... Ok`,
        `    ${C}... Ok`,
        `    ${D}... Failed`,
        '',
        'Dynamic Routes:',
        '',
        '  Exchange amq.topic:',
        `    ${C} <=> ${A}`,
        '',
        'Static Routes:',
        '',
        `  ${A}(ex=amq.topic) <= ${B}(ex=amq.topic) key=news.#`,
        `  ${C}(ex=amq.direct) <= ${B}(ex=amq.direct) key=k`,
        `  ${C}(ex=amq.direct) <= ${D}(queue=q) key=`,
        '',
        '',
      ].join('\n'),
    });
  });
});
