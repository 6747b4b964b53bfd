// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and
// per file, the hot path of the broker in a table. Usage:
//   node bench/profile-summary.mjs FILE.cpuprofile [top=25]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.mjs FILE.cpuprofile [top]\n');
  process.exit(2);
}
const top = Number(topArg || 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfSamples = new Map();
for (const id of prof.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const total = prof.samples.length;
const fn = new Map();
const files = new Map();
for (const [id, count] of selfSamples) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const where = cf.url ? cf.url.replace(/^file:\/\/.*?\/(dist|src|node_modules)\//, '$1/') : '(native)';
  const name = `${cf.functionName || '(anonymous)'} ${where}:${cf.lineNumber + 1}`;
  fn.set(name, (fn.get(name) ?? 0) + count);
  files.set(where, (files.get(where) ?? 0) + count);
}
const idle = [...fn].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
const busy = total - idle;
const pct = (v) => `${((100 * v) / busy).toFixed(1)} %`;
const print = (title, m) => {
  process.stdout.write(`\n${title} (share of ${busy} busy samples; ${idle} idle of ${total})\n`);
  for (const [k, v] of [...m]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    process.stdout.write(`${pct(v).padStart(8)}  ${k}\n`);
  }
};
print('self time by function', fn);
print('self time by file', files);
