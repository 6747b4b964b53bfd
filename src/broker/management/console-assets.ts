/**
 * The built web console (scripts/build-console.mjs writes it beside this
 * module in dist/broker/management/console): read once, kept in memory with
 * a gzipped copy, served at `/` and `/<file>` without authentication (the
 * page itself logs in against the API, as RabbitMQ's UI does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/**
 * Where the bundle is: beside the compiled module (dist/), or — when the
 * broker runs from its TypeScript sources, as the tests do — in dist/ of the
 * package root, built by `npm run build`.
 */
const CANDIDATES = ['./console/', '../../../dist/broker/management/console/'];

function findDir(): string | undefined {
  for (const c of CANDIDATES) {
    const dir = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(`${dir}index.html`) && existsSync(`${dir}app.js`)) return dir;
  }
  return undefined;
}

export class ConsoleAssets {
  private readonly assets = new Map<string, Asset>();

  constructor(dir = findDir()) {
    if (dir === undefined) return;
    for (const name of readdirSync(dir)) {
      const ext = name.slice(name.lastIndexOf('.') + 1);
      const type = TYPES[ext];
      if (type === undefined) continue;
      const body = readFileSync(`${dir}${name}`);
      this.assets.set(name, { type, body, gzipped: gzipSync(body) });
    }
  }

  /** True when the console was built (a broker run from an unbuilt checkout serves only the API). */
  get available(): boolean {
    return this.assets.has('index.html');
  }

  /** Serves `/` or a console file for GET/HEAD; false when `pathname` is not one (the caller answers 404). */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const name = pathname === '/' || pathname === '/index.html' ? 'index.html' : pathname.slice(1);
    const asset = name.includes('/') ? undefined : this.assets.get(name);
    if (asset === undefined) return false;
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': String(body.length),
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // The console loads nothing from elsewhere; its API calls go to this origin or to ?api=.
      'content-security-policy':
        "default-src 'self'; connect-src *; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
