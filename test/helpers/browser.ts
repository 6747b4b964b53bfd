/**
 * Headless Chromium for the console's end-to-end tests: playwright-core
 * driving the system's Chromium (Debian's /usr/bin/chromium, installed by
 * .ci/run when missing; CHROMIUM_PATH overrides), with a fresh profile per
 * launch. Outside CI the tests skip when no Chromium is installed; in CI they
 * refuse to skip.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type ConsoleMessage, chromium, type Page } from 'playwright-core';

export const chromiumPath: string | undefined = [
  process.env['CHROMIUM_PATH'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
]
  .filter((p): p is string => typeof p === 'string' && p !== '')
  .find((p) => existsSync(p));

if (chromiumPath === undefined && process.env['CI']) {
  throw new Error('Chromium is required in CI for the console tests (apt-get install chromium, or set CHROMIUM_PATH)');
}

/** Flags for a quiet, sandbox-free headless run that reaches nothing but the broker under test. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen since the last `takeErrors()`. */
  takeErrors(): ConsoleEntry[];
  close(): Promise<void>;
}

export interface ConsoleEntry {
  text: string;
  url: string;
}

export async function launchBrowser(colorScheme: 'light' | 'dark' = 'light'): Promise<Browser> {
  if (chromiumPath === undefined) throw new Error('no Chromium found');
  const profile = mkdtempSync(join(tmpdir(), 'qpid-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    colorScheme,
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  let errors: ConsoleEntry[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (e: Error) => errors.push({ text: `uncaught: ${e.message}`, url: page.url() }));
  return {
    context,
    page,
    takeErrors: () => {
      const out = errors;
      errors = [];
      return out;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
