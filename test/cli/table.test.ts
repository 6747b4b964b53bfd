// Qpid's table layout and number formats (qpidtoollibs disp.py), as src/cli/common/table.ts renders them.
import { describe, expect, it } from 'vitest';
import { commas, duration, kmg, renderTable, sortRows } from '../../src/cli/common/table.js';

describe('Qpid number formats', () => {
  it('KMG: %4d below 1000, then 1.23k / 12.3k / 123k and m, g', () => {
    expect([0, 7, 999].map(kmg)).toEqual(['   0', '   7', ' 999']);
    expect([1000, 1234, 9994, 12345, 99949, 123456, 999999].map(kmg)).toEqual([
      '1.00k',
      '1.23k',
      '9.99k',
      '12.3k',
      '99.9k',
      ' 123k',
      ' 999k',
    ]);
    expect([1_234_567, 12_345_678, 123_456_789, 1_234_567_890].map(kmg)).toEqual(['1.23m', '12.3m', ' 123m', '1.23g']);
    // Python rounds exact binary ties to even: 1.125 → 1.12, 1.375 → 1.38; 12.25 → 12.2.
    expect([1125, 1375, 12250].map(kmg)).toEqual(['1.12k', '1.38k', '12.2k']);
  });

  it('COMMAS and DURATION', () => {
    expect([0, 999, 1000, 1234567, -1234].map(commas)).toEqual(['0', '999', '1,000', '1,234,567', '-1,234']);
    expect(duration(999)).toBe('0s');
    expect(duration(61_000)).toBe('1m 1s');
    expect(duration(3_600_000)).toBe('1h 0m 0s');
    expect(duration(90_061_000)).toBe('1d 1h 1m 1s');
  });
});

describe('Qpid table layout', () => {
  it('pads every column but the last to its widest cell plus two, under a line of =', () => {
    const text = renderTable(
      'Queues',
      [{ head: 'queue' }, { head: 'dur', format: 'y' }, { head: 'msg', format: 'kmg' }],
      [
        ['a-long-name', true, 1234],
        ['q', false, 5],
      ],
    );
    expect(text).toBe(
      'Queues\n' +
        '  queue        dur  msg\n' +
        `  ${'='.repeat(13 + 5 + 7)}\n` +
        '  a-long-name  Y    1.23k\n' +
        '  q                    5\n',
    );
    expect(renderTable('Empty', [{ head: 'x' }], [])).toBe('Empty\n');
  });

  it('sorts decreasing by default (stable, then reversed as Qpid does), increasing with -I, and limits', () => {
    const cols = [{ head: 'name' }, { head: 'n' }];
    const rows = [
      ['a', 2],
      ['b', null],
      ['c', 10],
      ['d', 2],
    ];
    expect(sortRows(cols, rows, 'n', false, 0).map((r) => r[0])).toEqual(['c', 'd', 'a', 'b']);
    expect(sortRows(cols, rows, 'n', true, 2).map((r) => r[0])).toEqual(['b', 'a']);
    expect(() => sortRows(cols, rows, 'zz', false, 0)).toThrow("sort column 'zz' not found in headers");
  });
});
