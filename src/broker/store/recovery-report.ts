/** What DiskStore.recover brought back, returned to the broker and logged in one line. */
import type { Definitions } from './definitions-store.js';
import type { RecoveryResult } from './recovery.js';

export interface RecoveryReport {
  readonly exchanges: number;
  readonly queues: number;
  readonly bindings: number;
  readonly messages: number;
  readonly entries: number;
  readonly bytes: number;
  readonly ms: number;
}

export function recoveryReport(defs: Definitions, r: RecoveryResult, ms: number): RecoveryReport {
  return {
    exchanges: defs.exchanges.length,
    queues: defs.queues.length,
    bindings: defs.bindings.length,
    messages: r.messages,
    entries: r.entries,
    bytes: r.bytes,
    ms,
  };
}

/** The log line; `segments` is how many segment files are still in use. */
export function describeRecovery(report: RecoveryReport, dir: string, segments: number): string {
  return (
    `recovered ${report.exchanges} exchanges, ${report.queues} queues, ${report.bindings} bindings and ` +
    `${report.messages} messages (${report.entries} queue entries) from ${dir} ` +
    `(${(report.bytes / 1048576).toFixed(1)} MiB in ${segments} segments) in ${report.ms.toFixed(0)} ms`
  );
}
