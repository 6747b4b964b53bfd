// Bundles the web console (src/broker/management/console) into
// dist/broker/management/console with esbuild: app.js (Preact + htm + uPlot
// and our pages), app.css and index.html, served by the management listener
// at `/`. Run by `npm run build` (and so by `npm ci` through `prepare`).
// Prints the gzipped size; fails above the budget so the console stays small.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'broker', 'management', 'console');
const out = join(root, 'dist', 'broker', 'management', 'console');
/** Issue 13: "well under 300 KiB gzipped". */
const BUDGET_GZIP_BYTES = 150 * 1024;

mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: join(src, 'main.ts'), 'app-style': join(src, 'app.css') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  sourcemap: false,
  legalComments: 'eof',
  logLevel: 'warning',
});
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));

let total = 0;
const sizes = [];
for (const f of ['index.html', 'app.js', 'app-style.css']) {
  const gz = gzipSync(readFileSync(join(out, f)), { level: 9 }).length;
  total += gz;
  sizes.push(`${f} ${(gz / 1024).toFixed(1)} KiB`);
}
console.log(`console: ${sizes.join(', ')}; ${(total / 1024).toFixed(1)} KiB gzipped in all`);
if (total > BUDGET_GZIP_BYTES) {
  console.error(`console bundle is ${total} bytes gzipped, over the ${BUDGET_GZIP_BYTES}-byte budget`);
  process.exit(1);
}
