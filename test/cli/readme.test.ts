// The README's shell sessions, re-run (issue 9, item 7): every fenced block right after a
// `<!-- readme-test -->` line is a session of `$ command args` lines, each followed by what it prints.
// Each block runs against a fresh bundled broker (AMQP and management on free ports; the tools get
// `-b` pointing at it unless the line names its own broker, and find the management API from the
// broker's advertisement). In expected output `…` matches any text, and a line that is only `…`
// matches any number of lines. A line ending in `&` (a background job) is left out.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { startTestBroker } from '../helpers/broker.js';
import { run } from './admin-helpers.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const TOOLS = new Set(['spout', 'drain', 'qpid-config', 'qpid-stat']);

interface Step {
  line: string;
  words: string[];
  expected: string[];
}

/** The annotated blocks, as steps. */
function sessions(): { title: string; steps: Step[] }[] {
  const out: { title: string; steps: Step[] }[] = [];
  const re = /<!-- readme-test -->\n```[a-z]*\n([\s\S]*?)```/g;
  for (let m = re.exec(README); m !== null; m = re.exec(README)) {
    const steps: Step[] = [];
    for (const line of (m[1] as string).replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) steps.push({ line: line.slice(2), words: shellWords(line.slice(2)), expected: [] });
      else steps[steps.length - 1]?.expected.push(line);
    }
    out.push({ title: steps[0]?.line ?? '(empty)', steps });
  }
  return out;
}

/** POSIX-ish word splitting: '…' literal, "…" with \\ escapes, bare words. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      cur = (cur ?? '') + text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        s += text[j];
        j++;
      }
      cur = (cur ?? '') + s;
      i = j;
    } else if (c === ' ') {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else if (c === '#' && cur === undefined) {
      break; // a comment
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

/** Whether `actual` lines match `expected` patterns (`…` wildcards). */
function matches(expected: string[], actual: string[]): boolean {
  const toRe = (p: string) =>
    new RegExp(
      `^${p
        .split('…')
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
  const go = (i: number, j: number): boolean => {
    if (i === expected.length) return j === actual.length;
    if (expected[i] === '…') {
      for (let k = j; k <= actual.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < actual.length && toRe(expected[i] as string).test(actual[j] as string) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const blocks = sessions();

describe('README shell sessions', () => {
  test('there are sessions to re-run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  test.each(blocks)(
    '$title',
    async ({ steps }) => {
      const tb = await startTestBroker({ mgmtPort: 0 });
      try {
        for (const step of steps) {
          if (step.words[step.words.length - 1] === '&') continue;
          const [command, ...args] = step.words as [string, ...string[]];
          expect(TOOLS.has(command), `README runs ${command}`).toBe(true);
          const own = args.includes('-b') || args.includes('--broker');
          const r = await run(command, own ? args : ['-b', `127.0.0.1:${tb.port}`, ...args]);
          const printed = `${r.stdout}${r.stderr}`.replace(/\n$/, '');
          const lines = printed === '' ? [] : printed.split('\n');
          expect(
            matches(step.expected, lines),
            `$ ${step.line}\nexpected:\n${step.expected.join('\n')}\nprinted:\n${lines.join('\n')}`,
          ).toBe(true);
        }
      } finally {
        await tb.stop();
      }
    },
    60_000,
  );
});
