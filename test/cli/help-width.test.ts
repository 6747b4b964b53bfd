// Every command's --help fits the terminal and breaks lines only between words (issue 9, item 4):
// rendered at 80 and 120 columns ($COLUMNS, as on a terminal that is not a TTY), each line fits, and
// the words are exactly those of the same help rendered unwrapped (a split word would be two).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const BIN_DIR = new URL('../../bin/', import.meta.url).pathname;
const COMMANDS = ['spout', 'drain', 'qpid-config', 'qpid-stat', 'qpidd'] as const;
const run = promisify(execFile);

async function help(command: string, columns: number): Promise<string> {
  const { stdout } = await run(process.execPath, [`${BIN_DIR}${command}.js`, '--help'], {
    env: { ...process.env, COLUMNS: String(columns), NO_COLOR: '1' },
    timeout: 15_000,
  });
  return stdout;
}

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');

describe.each(COMMANDS)('%s --help', (command) => {
  test.each([80, 120])('at %i columns: every line fits and no word is split', async (columns) => {
    const [wrapped, unwrapped] = await Promise.all([help(command, columns), help(command, 1000)]);
    expect(wrapped).toContain(command);
    const tooLong = wrapped.split('\n').filter((line) => [...line].length > columns);
    expect(tooLong).toEqual([]);
    // Sorted: in two-column layouts a wrapped first column interleaves with the second.
    expect(words(wrapped).sort()).toEqual(words(unwrapped).sort());
    // The wrapping is real: the unwrapped help has lines a narrow terminal must break.
    if (columns === 80) expect(unwrapped.split('\n').some((l) => [...l].length > 80)).toBe(true);
  });
});
