// Fails when src/ has an import cycle or breaks a layering rule (run by `npm run lint`, so CI fails).
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
const layered = ['broker', 'protocol', 'admin', 'cli', 'rpc'].map((d) => join(root, 'src', d));

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

/**
 * Who may import whom, beyond "no cycles" (paths relative to src/). The broker's domain is every
 * file directly in broker/ but broker.ts (the composition root, which starts the listeners, picks the
 * store implementation and the management server) and index.ts (the public entry point).
 */
const isDomain = (f) => /^broker\/[^/]+\.ts$/.test(f) && f !== 'broker/broker.ts' && f !== 'broker/index.ts';
const RULES = [
  {
    rule: 'protocol/ is a pure codec: it imports nothing else of src/',
    from: (f) => f.startsWith('protocol/'),
    to: (d) => !d.startsWith('protocol/'),
  },
  {
    rule: 'the broker domain never imports store/ or management/',
    from: isDomain,
    to: (d) => d.startsWith('broker/store/') || d.startsWith('broker/management/'),
  },
  {
    rule: 'store/ and management/ never import broker.ts',
    from: (f) => f.startsWith('broker/store/') || f.startsWith('broker/management/'),
    to: (d) => d === 'broker/broker.ts',
  },
  {
    rule: 'messaging/ and admin/ (clients) never import the broker',
    from: (f) => f.startsWith('messaging/') || f.startsWith('admin/'),
    to: (d) => d.startsWith('broker/'),
  },
  {
    rule: 'messaging/ never imports admin/ (admin parses -b with messaging/url.ts, not the other way round)',
    from: (f) => f.startsWith('messaging/'),
    to: (d) => d.startsWith('admin/'),
  },
  {
    rule: "rpc/ is built on the messaging API's public entry only (so it works against any broker and reconnects like any link)",
    from: (f) => f.startsWith('rpc/'),
    to: (d) => !d.startsWith('rpc/') && d !== 'messaging/index.ts',
  },
  {
    rule: 'the CLIs use the public entry points only (qpid-messaging, qpid-messaging/admin, qpid-messaging/broker, qpid-messaging/rpc)',
    from: (f) => f.startsWith('cli/'),
    to: (d) =>
      !d.startsWith('cli/') &&
      !['index.ts', 'admin/index.ts', 'broker/index.ts', 'rpc/index.ts', 'version.ts'].includes(d),
  },
];

let failed = false;
const graph = (await madge(join(root, 'src'), base)).obj();
for (const [file, deps] of Object.entries(graph)) {
  for (const r of RULES) {
    if (!r.from(file)) continue;
    for (const d of deps) {
      if (!r.to(d)) continue;
      failed = true;
      console.error(`check-cycles: ${file} imports ${d}, but ${r.rule}`);
    }
  }
}

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
console.log('check-cycles: no import cycles in src/, layering rules hold');
