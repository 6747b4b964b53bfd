// Side-by-side benchmark: the bundled broker (qpidd) and RabbitMQ, same amqplib
// client, same scenarios, one table of ratios. Run with `npm run bench`.
//
// Environment:
//   BENCH_SCALE=1            multiplies every message/connection count (0.05 for a quick check)
//   BENCH_SCENARIOS=a,b      only these scenario ids (see the table)
//   BENCH_ONLY=bundled|rabbitmq   benchmark one broker only
//   BENCH_TIME_LIMIT_MS=60000     wall-time bound of each scenario run (plus 15 s to drain)
//   BENCH_BUNDLED_URL / BENCH_BUNDLED_PID   use a running broker instead of spawning bin/qpidd.js
//   BENCH_QPIDD=path         spawn this script instead of bin/qpidd.js
//   --plot                   also run the scaling benchmark (bench/scaling.mjs) and write
//                            bench/results/scaling.svg (msg/s and p99 against the work)
//   BENCH_SCALING_COUNT=20000 / BENCH_SCALING_TIME_MS=20000   messages and time bound per point
//   BENCH_STATS_COMPARE=1    also run a bundled broker with management statistics off
//                            (--mgmt-stats-interval 0) beside the default one, which then samples
//                            every BENCH_STATS_INTERVAL_MS (default 1000, 5× RabbitMQ's rate), and
//                            print the statistics' cost per scenario
//   BENCH_BASELINE_QPIDD=path   also run this qpidd script (e.g. a build of main) as `baseline`
//   BENCH_ROUNDS=1           measured rounds per scenario and broker, interleaved (the broker order
//                            rotates every round); each figure is the median round's, or with
//   BENCH_PICK=best          the best round's (the least disturbed one on a shared machine)
//   RABBITMQ_URL / RABBITMQ_PID   use a running RabbitMQ; otherwise the private node of
//                                 scripts/rabbitmq-node.sh: reused if running, else started
//                                 for the run and stopped at the end
//
// Output: the table on stdout and bench/results/latest.json. CPU µs/msg is the
// broker process's utime+stime (/proc/PID/stat) over the measured span divided
// by deliveries (connections for `connections`); /proc resolution is 1/CLK_TCK s.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuResolutionMicros, startBundled, startRabbitmq } from './brokers.mjs';
import { plotScaling } from './plot.mjs';
import { runScaling } from './scaling.mjs';
import { connections, endToEnd, fanout, latency, topic, topicRouting, topicTopology } from './scenarios.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const scale = Number(process.env.BENCH_SCALE || 1);
if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env.BENCH_SCALE}`);
const timeMs = Number(process.env.BENCH_TIME_LIMIT_MS || 60_000);
const graceMs = 15_000;
const only = process.env.BENCH_ONLY;
const wanted = process.env.BENCH_SCENARIOS?.split(',').map((s) => s.trim());
const plot = process.argv.includes('--plot');
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const n = (base, min = 100) => Math.max(min, Math.round(base * scale));

const topology = topicTopology();
const avgTopicFanout = topology.keys.reduce((s, k) => s + topology.fanout.get(k), 0) / topology.keys.length;

/** higher: bigger is better (throughput); lower: smaller is better (latency). */
const SCENARIOS = [
  {
    id: 'e2e-16B',
    title: 'end-to-end 16 B (1 pub, 1 sub)',
    better: 'higher',
    run: endToEnd(16),
    limits: { count: n(200_000), timeMs, graceMs },
  },
  {
    id: 'e2e-1KiB',
    title: 'end-to-end 1 KiB (1 pub, 1 sub)',
    better: 'higher',
    run: endToEnd(1024),
    limits: { count: n(100_000), timeMs, graceMs },
  },
  {
    id: 'fanout-10',
    title: 'fanout to 10 queues (deliveries/s)',
    better: 'higher',
    run: fanout(10),
    limits: { count: n(30_000), timeMs, graceMs },
  },
  {
    id: 'topic-1000',
    title: `topic, ${topology.bindings.length} bindings / ${topology.queueCount} queues (deliveries/s)`,
    better: 'higher',
    run: topic(topology),
    limits: { count: n(20_000), timeMs, graceMs },
  },
  {
    id: 'topic-routing',
    title: `topic routing only, ${topology.bindings.length} bindings (confirmed msg/s)`,
    better: 'higher',
    run: topicRouting(topology),
    limits: { count: n(100_000), timeMs, graceMs },
  },
  {
    id: 'latency',
    title: 'latency at 1000 msg/s',
    better: 'lower',
    run: latency(1000),
    limits: {
      count: 5000,
      durationMs: Math.min(5000, Math.max(1000, 5000 * scale)),
      timeMs: Math.min(timeMs, 20_000),
      graceMs,
    },
  },
  {
    id: 'connections',
    title: 'connection open+close (sequential)',
    better: 'higher',
    run: connections(),
    limits: { count: n(500, 20), timeMs: Math.min(timeMs, 10_000), graceMs: 0 },
  },
  {
    id: 'connections-16',
    title: 'connection open+close (16 at a time)',
    better: 'higher',
    run: connections(16),
    limits: { count: n(2000, 40), timeMs: Math.min(timeMs, 20_000), graceMs: 0 },
  },
].filter((s) => !wanted || wanted.includes(s.id));

const brokers = [];
let exitCode = 0;
const rounds = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS || 1)));
const pickBest = process.env.BENCH_PICK === 'best';
const statsCompare = process.env.BENCH_STATS_COMPARE === '1';
const statsInterval = process.env.BENCH_STATS_INTERVAL_MS || (statsCompare ? '1000' : undefined);
const baselineQpidd = process.env.BENCH_BASELINE_QPIDD;
/** Bundled brokers run beside the main one, compared with it in a table of their own. */
const VARIANTS = [
  ...(statsCompare ? [{ kind: 'stats-off', args: ['--mgmt-stats-interval', '0'] }] : []),
  ...(baselineQpidd ? [{ kind: 'baseline', bin: baselineQpidd }] : []),
];

async function main() {
  log(`scale ${scale}, per-scenario time limit ${timeMs} ms, topic avg fanout ${avgTopicFanout.toFixed(1)} queues`);
  try {
    if (only !== 'rabbitmq') {
      brokers.push(
        await startBundled(repoRoot, log, { args: statsInterval ? ['--mgmt-stats-interval', statsInterval] : [] }),
      );
      for (const v of VARIANTS) brokers.push(await startBundled(repoRoot, log, v));
    }
    if (only !== 'bundled') brokers.push(await startRabbitmq(repoRoot, log));

    const results = [];
    for (const s of SCENARIOS) {
      const row = { id: s.id, title: s.title, better: s.better, limits: s.limits };
      const runs = new Map(brokers.map((b) => [b.kind, []]));
      for (const b of brokers) {
        log(`${s.id} warm-up on ${b.kind} ...`);
        // An unmeasured 10% pass first, so no broker pays for the client's JIT warm-up.
        const warm = await runGuarded({ ...s, limits: warmupLimits(s.limits) }, b);
        if (warm.error) log(`${s.id} warm-up on ${b.kind}: ${warm.error}`);
      }
      for (let round = 0; round < rounds; round++) {
        // Rotating the order keeps a slow spell of the shared machine from always hitting the same broker.
        const order = brokers.map((_, i) => brokers[(i + round) % brokers.length]);
        for (const b of order) {
          const r = await runGuarded(s, b);
          runs.get(b.kind).push(r);
          if (r.error || r.correct === false) exitCode = 1;
          log(
            `${s.id} on ${b.kind}${rounds > 1 ? ` (round ${round + 1}/${rounds})` : ''}: ${r.error ? `ERROR ${r.error}` : `${fmt(r.value)} ${r.unit}${r.timedOut ? ' (time limit hit)' : ''}; ${r.notes}`}`,
          );
          // Let the broker settle (queue deletions, GC) before the next run.
          await new Promise((res) => setTimeout(res, 1000));
        }
      }
      for (const b of brokers) row[b.kind] = pickRun(runs.get(b.kind), s.better);
      results.push(row);
    }
    const scaling = plot ? await runScaling(brokers, log, scale) : undefined;
    report(results, scaling);
    if (scaling) {
      const file = join(repoRoot, 'bench', 'results', 'scaling.svg');
      mkdirSync(dirname(file), { recursive: true });
      const load = `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs at the end; ${new Date().toISOString()}`;
      await plotScaling(scaling, file, load);
      log(`scaling plot written to ${file}`);
    }
  } finally {
    for (const b of brokers.reverse()) await b.stop().catch((err) => log(`stopping ${b.kind}: ${err.message}`));
  }
}

/** The median (or best) run of the rounds (an error wins, so it is reported); all rounds' values kept. */
function pickRun(list, better) {
  const failed = list.find((r) => r.error);
  if (failed) return failed;
  const sorted = [...list].sort((a, b) => (better === 'lower' ? a.value - b.value : b.value - a.value));
  const pick = pickBest ? sorted[0] : sorted[Math.floor((sorted.length - 1) / 2)];
  return list.length > 1 ? { ...pick, rounds: list.map((r) => r.value) } : pick;
}

function warmupLimits(limits) {
  return {
    ...limits,
    count: Math.max(10, Math.ceil(limits.count / 10)),
    durationMs: 500,
    timeMs: Math.min(limits.timeMs, 10_000),
  };
}

async function runGuarded(s, broker) {
  const hardMs = s.limits.timeMs + s.limits.graceMs + 30_000;
  let timer;
  try {
    const r = await Promise.race([
      s.run(broker, s.limits),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no result within ${hardMs} ms`)), hardMs);
      }),
    ]);
    const cpuUsPerMsg = r.cpuUs !== undefined && r.msgs > 0 ? r.cpuUs / r.msgs : undefined;
    return { ...r, cpuUsPerMsg };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

function fmt(v, digits) {
  if (v === undefined || v === null || Number.isNaN(v)) return '-';
  if (digits !== undefined) return v.toFixed(digits);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const ratio = (a, b) => (a !== undefined && b !== undefined && b > 0 && !Number.isNaN(a) ? a / b : undefined);

function report(results, scaling) {
  const rows = [];
  for (const r of results) {
    const b = r.bundled ?? {};
    const q = r.rabbitmq ?? {};
    const mark = (x) => (x.timedOut ? '*' : '');
    const metrics =
      r.id === 'latency'
        ? [
            ['p50', b.extra?.p50, q.extra?.p50],
            ['p99', b.extra?.p99, q.extra?.p99],
          ]
        : [['', b.value, q.value]];
    for (const [suffix, bv, qv] of metrics) {
      const unit = b.unit ?? q.unit ?? '';
      rows.push([
        suffix ? `${r.title} ${suffix}` : r.title,
        `${unit} (${r.better})`,
        b.error ? 'ERROR' : fmt(bv) + mark(b),
        q.error ? 'ERROR' : fmt(qv) + mark(q),
        fmt(ratio(bv, qv), 2),
        fmt(b.cpuUsPerMsg),
        fmt(q.cpuUsPerMsg),
        fmt(ratio(b.cpuUsPerMsg, q.cpuUsPerMsg), 2),
      ]);
      Object.assign(r, suffix ? {} : { ratio: ratio(bv, qv) });
      if (suffix) r[`ratio_${suffix}`] = ratio(bv, qv);
    }
    r.cpuRatio = ratio(b.cpuUsPerMsg, q.cpuUsPerMsg);
  }
  const header = [
    'scenario',
    'unit',
    'bundled',
    'RabbitMQ',
    'bundled/RabbitMQ',
    'CPU µs/msg bundled',
    'CPU µs/msg RabbitMQ',
    'CPU ratio',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
  console.log();
  console.log(
    `* = time limit hit (rate over what completed). CPU resolution ${fmt(cpuResolutionMicros)} µs per reading.`,
  );

  if (scaling) printScaling(scaling);
  const out = {
    date: new Date().toISOString(),
    loadAverage: loadavg(),
    node: process.version,
    host: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memBytes: totalmem() },
    scale,
    timeLimitMs: timeMs,
    brokers: Object.fromEntries(brokers.map((b) => [b.kind, { url: b.url.replace(/\/\/[^@]*@/, '//'), pid: b.pid }])),
    scenarios: results,
    scaling,
  };
  if (VARIANTS.length > 0) reportVariants(results);
  const file = join(repoRoot, 'bench', 'results', 'latest.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  log(`results written to ${file}`);
}

function printScaling(rows) {
  console.log('scaling (16 B, noAck consumers, closed loop of 2000 in flight)');
  console.log('axis    |      x | bundled msg/s | RabbitMQ msg/s | ratio | bundled p99 ms | RabbitMQ p99 ms');
  console.log('--------|--------|---------------|----------------|-------|----------------|----------------');
  const keys = [...new Set(rows.map((r) => `${r.axis}:${r.x}`))];
  for (const k of keys) {
    const [axis, x] = k.split(':');
    const b = rows.find((r) => `${r.axis}:${r.x}` === k && r.broker === 'bundled') ?? {};
    const q = rows.find((r) => `${r.axis}:${r.x}` === k && r.broker === 'rabbitmq') ?? {};
    console.log(
      [
        axis.padEnd(7),
        x.padStart(6),
        (b.error ? 'ERROR' : fmt(b.msgPerS)).padStart(13),
        (q.error ? 'ERROR' : fmt(q.msgPerS)).padStart(14),
        fmt(ratio(b.msgPerS, q.msgPerS), 2).padStart(5),
        fmt(b.p99Ms).padStart(14),
        fmt(q.p99Ms).padStart(15),
      ].join(' | '),
    );
  }
  console.log();
}

/** The main bundled broker against each variant in the same run: the cost of what differs (statistics). */
function reportVariants(results) {
  const header = ['scenario', `bundled (stats every ${statsInterval ?? 5000} ms)`, 'CPU µs/msg'];
  for (const v of VARIANTS) header.push(v.kind, 'CPU µs/msg', `throughput cost vs ${v.kind}`, 'CPU cost');
  const rows = [];
  for (const r of results) {
    if (r.id === 'latency') continue;
    const b = r.bundled?.value;
    const bc = r.bundled?.cpuUsPerMsg;
    const row = [r.title, fmt(b), fmt(bc)];
    r.variants = {};
    const pct = (x) => (x === undefined ? '-' : `${x.toFixed(1)} %`);
    for (const v of VARIANTS) {
      const x = r[v.kind]?.value;
      const xc = r[v.kind]?.cpuUsPerMsg;
      // Throughput: the share the main broker is slower than the variant (negative: faster);
      // CPU: how much more CPU per message it spends.
      const cost = b !== undefined && x ? (1 - b / x) * 100 : undefined;
      const cpuCost = bc !== undefined && xc ? (bc / xc - 1) * 100 : undefined;
      r.variants[v.kind] = { value: x, cpuUsPerMsg: xc, costPercent: cost, cpuCostPercent: cpuCost };
      row.push(fmt(x), fmt(xc), pct(cost), pct(cpuCost));
    }
    rows.push(row);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const row of rows) console.log(line(row));
  console.log();
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    log(`${sig}: stopping brokers`);
    for (const b of brokers.reverse()) await b.stop().catch(() => {});
    process.exit(130);
  });
}

main().then(
  () => process.exit(exitCode),
  (err) => {
    log(`failed: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
