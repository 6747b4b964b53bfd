// RabbitMQ's recorded answers for the parity tests, so that a run without RabbitMQ still compares
// the bundled broker with RabbitMQ's behaviour (see parity.ts).
//
// One JSON file per test file, test/interop/expectations/<name>.json, mapping the full test name
// to the answer RabbitMQ 3.10 gave, normalized by normalizeObserved: the run's unique name suffix
// becomes "<id>", bigints become {"$bigint": "..."}, Buffers {"type":"Buffer","data":[...]}.
// Files are written with sorted keys, so recording twice gives the same bytes. Record with
//
//   PARITY_RECORD=1 RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5673 npx vitest run test/interop
//
// (any RabbitMQ 3.10 node, e.g. scripts/rabbitmq-node.sh). Without PARITY_RECORD a run against
// RabbitMQ fails when RabbitMQ's answer differs from the recording or none is recorded, so the
// committed file cannot silently go stale.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'interop', 'expectations');
const RECORD = process.env['PARITY_RECORD'] === '1';
const HOW = 'record with: PARITY_RECORD=1 RABBITMQ_URL=<a RabbitMQ 3.10 node> npx vitest run <this test file>';

type Answers = Record<string, unknown>;
const loaded = new Map<string, Answers>();

/** The observed value as it is recorded: plain JSON, with the run's unique suffix replaced. */
export function normalizeObserved(value: unknown, suffix: string): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'string') return v.replaceAll(suffix, '<id>');
    return v;
  });
  return text === undefined ? null : JSON.parse(text);
}

/** JSON with object keys sorted at every level, two-space indented, newline-terminated. */
function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

function load(file: string): Answers {
  let answers = loaded.get(file);
  if (answers === undefined) {
    answers = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Answers) : {};
    loaded.set(file, answers);
  }
  return answers;
}

/** The recorded answers of the running test: check or record RabbitMQ's, or read them for the bundled run. */
export function recordedAnswers(): { file: string; expected(): unknown; observe(rabbitmq: unknown): void } {
  const state = expect.getState();
  const testPath = state.testPath ?? 'unknown.test.ts';
  const name = state.currentTestName ?? '';
  const file = join(DIR, basename(testPath).replace(/\.test\.ts$/, '.json'));
  const rel = `test/interop/expectations/${basename(file)}`;
  return {
    file: rel,
    expected() {
      const answers = load(file);
      if (!Object.hasOwn(answers, name)) throw new Error(`no RabbitMQ answer recorded for "${name}" in ${rel}; ${HOW}`);
      return answers[name];
    },
    observe(rabbitmq: unknown) {
      const answers = load(file);
      if (RECORD) {
        answers[name] = rabbitmq;
        mkdirSync(DIR, { recursive: true });
        writeFileSync(file, stableJson(answers));
        return;
      }
      if (!Object.hasOwn(answers, name)) throw new Error(`no RabbitMQ answer recorded for "${name}" in ${rel}; ${HOW}`);
      expect(rabbitmq, `RabbitMQ's answer differs from ${rel}; ${HOW}`).toEqual(answers[name]);
    },
  };
}
