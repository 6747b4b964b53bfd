// Starting, measuring and stopping the two brokers the benchmark compares.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} BrokerHandle
 * @property {'bundled' | 'rabbitmq'} kind
 * @property {string} url        amqp:// URL with credentials
 * @property {number | undefined} pid  process whose CPU time we read (undefined: no CPU figures)
 * @property {() => Promise<void>} stop  stops it if we started it; otherwise a no-op
 */

const CLK_TCK = clockTicks();

function clockTicks() {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime+stime of a process in microseconds, from /proc/PID/stat; undefined when unreadable. */
export function cpuMicros(pid) {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    const ticks = Number(rest[11]) + Number(rest[12]);
    return (ticks * 1e6) / CLK_TCK;
  } catch {
    return undefined;
  }
}

export const cpuResolutionMicros = 1e6 / CLK_TCK;

function withCredentials(url) {
  const u = new URL(url);
  if (!u.username) {
    u.username = 'guest';
    u.password = 'guest';
  }
  return u.toString().replace(/\/$/, '');
}

/**
 * The bundled broker: BENCH_BUNDLED_URL (+ BENCH_BUNDLED_PID) when set, else a
 * child `node bin/qpidd.js --port 0 --no-data-dir [args]` whose stdout announces the port.
 * `variant` names another bundled broker run beside it (another `bin`, other `args`).
 * @param {{ kind?: string, bin?: string, args?: string[] }} [variant]
 * @returns {Promise<BrokerHandle>}
 */
export async function startBundled(repoRoot, log, variant = {}) {
  const kind = variant.kind ?? 'bundled';
  if (process.env.BENCH_BUNDLED_URL && kind === 'bundled') {
    const pid = process.env.BENCH_BUNDLED_PID ? Number(process.env.BENCH_BUNDLED_PID) : undefined;
    log(`bundled: using BENCH_BUNDLED_URL ${process.env.BENCH_BUNDLED_URL} (pid ${pid ?? 'unknown'})`);
    return { kind: 'bundled', url: withCredentials(process.env.BENCH_BUNDLED_URL), pid, stop: async () => {} };
  }
  const bin = variant.bin || process.env.BENCH_QPIDD || join(repoRoot, 'bin', 'qpidd.js');
  if (!existsSync(bin)) throw new Error(`${bin} not found (set BENCH_BUNDLED_URL to benchmark another broker)`);
  // BENCH_QPIDD_ARGS: a JSON array of extra qpidd options (e.g. ["--data-dir", DIR], which replaces --no-data-dir).
  const extra = process.env.BENCH_QPIDD_ARGS ? JSON.parse(process.env.BENCH_QPIDD_ARGS) : [];
  const storage = extra.includes('--data-dir') ? [] : ['--no-data-dir'];
  const child = spawn(process.execPath, [bin, '--port', '0', ...storage, ...extra, ...(variant.args ?? [])], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stderrTail = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderrTail.push(d);
    if (stderrTail.length > 50) stderrTail.shift();
  });

  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('qpidd did not announce its port within 20 s')), 20_000);
    const onData = (d) => {
      out += d;
      const m = /qpidd listening on (amqp:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]);
      } else if (out.length > 65_536) {
        out = out.slice(-1024);
      }
    };
    const onExit = (code, signal) => fail(new Error(`qpidd exited (${code ?? signal}) before listening`));
    function fail(err) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${stderrTail.join('').slice(-2000)}`));
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  // Keep draining its output so a chatty broker never blocks on a full pipe.
  child.stdout.resume();
  log(`${kind}: qpidd pid ${child.pid} at ${url} (${[bin, ...(variant.args ?? [])].join(' ')})`);

  return {
    kind,
    url: withCredentials(url),
    pid: child.pid,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * RabbitMQ: RABBITMQ_URL when set (pid from RABBITMQ_PID or the private
 * node's pid file), else a private node started with scripts/rabbitmq-node.sh
 * and stopped again by stop().
 * @returns {Promise<BrokerHandle>}
 */
export async function startRabbitmq(repoRoot, log) {
  const stateDir = process.env.RABBITMQ_STATE_DIR || join(repoRoot, '.rabbitmq');
  const pidFile = join(stateDir, 'rabbitmq.pid');
  const readPid = () => {
    if (process.env.RABBITMQ_PID) return Number(process.env.RABBITMQ_PID);
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const script = join(repoRoot, 'scripts', 'rabbitmq-node.sh');
  if (!process.env.RABBITMQ_URL) {
    // A node that already runs is used as is and left running.
    const running = await run('bash', [script, 'status'], { cwd: repoRoot, timeout: 30_000 }).catch(() => '');
    const m = /^RABBITMQ_URL=(\S+)$/m.exec(running);
    if (m) process.env.RABBITMQ_URL = m[1];
  }
  if (process.env.RABBITMQ_URL) {
    const pid = readPid();
    log(`rabbitmq: using RABBITMQ_URL ${process.env.RABBITMQ_URL} (pid ${pid ?? 'unknown: no CPU figures'})`);
    return { kind: 'rabbitmq', url: withCredentials(process.env.RABBITMQ_URL), pid, stop: async () => {} };
  }
  log('rabbitmq: starting a private node with scripts/rabbitmq-node.sh');
  const out = await run('bash', [script, 'start'], { cwd: repoRoot, timeout: 120_000 });
  const m = /^RABBITMQ_URL=(\S+)$/m.exec(out);
  if (!m) throw new Error(`rabbitmq-node.sh start printed no RABBITMQ_URL:\n${out}`);
  const pid = readPid();
  let stopped = false;
  const stopSync = () => {
    if (!stopped) execFileSync('bash', [script, 'stop'], { cwd: repoRoot, stdio: 'ignore', timeout: 90_000 });
  };
  process.once('exit', stopSync);
  log(`rabbitmq: node pid ${pid} at ${m[1]}`);
  return {
    kind: 'rabbitmq',
    url: m[1],
    pid,
    stop: async () => {
      process.off('exit', stopSync);
      if (stopped) return;
      stopped = true;
      await run('bash', [script, 'stop'], { cwd: repoRoot, timeout: 90_000 });
    },
  };
}

function run(cmd, args, options) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...options, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
