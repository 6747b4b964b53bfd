// Fails when src/ has an import cycle (run by `npm run lint`, so CI fails on one).
//
// Two checks with madge:
// - every directory but src/messaging: any import counts, `import type` too, so a
//   lower module never names a higher one (it declares a small host interface instead:
//   QueueHost, ChannelHost, ConsumerChannel, ManagementHost, VHostEnv);
// - all of src/: runtime imports only. src/messaging alone keeps type-only back-references
//   because its public API has them (Qpid's session.connection, sender.session).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const base = { fileExtensions: ['ts'], tsConfig: join(root, 'tsconfig.json'), baseDir: join(root, 'src') };
const layered = ['broker', 'protocol', 'admin', 'cli'].map((d) => join(root, 'src', d));

const checks = [
  {
    what: 'import cycles (type imports included) outside src/messaging',
    paths: layered,
    skipTypeImports: false,
    // cli imports messaging, so its files are in the graph; its own type-only cycles are the second check's.
    allow: (cycle) => cycle.every((f) => f.startsWith('messaging/')),
  },
  { what: 'runtime import cycles in src/', paths: [join(root, 'src')], skipTypeImports: true },
];

let failed = false;
for (const c of checks) {
  const res = await madge(c.paths, {
    ...base,
    detectiveOptions: { ts: { skipTypeImports: c.skipTypeImports } },
  });
  const cycles = res.circular().filter((cycle) => !c.allow?.(cycle));
  if (cycles.length === 0) continue;
  failed = true;
  console.error(`check-cycles: ${cycles.length} ${c.what}:`);
  for (const cycle of cycles) console.error(`  ${[...cycle, cycle[0]].join(' -> ')}`);
}
if (failed) process.exit(1);
console.log('check-cycles: no import cycles in src/');
