import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { PRODUCT, VERSION } from '../src/version.js';

test('src/version.ts matches package.json', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  expect({ PRODUCT, VERSION }).toEqual({ PRODUCT: pkg.name, VERSION: pkg.version });
});
