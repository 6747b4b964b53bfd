/**
 * Target (oslo_messaging/target.py): where a message goes or what a server listens on, plus the
 * version rule oslo uses for dispatch and version caps (oslo_messaging/_utils.py version_is_compatible).
 */

export interface TargetInit {
  /** Exchange for topic messages; defaults to the control exchange (`openstack`). */
  readonly exchange?: string;
  readonly topic?: string;
  /** One server of the topic: requests go to the `topic.server` queue. */
  readonly server?: string;
  /** Endpoint namespace; a server endpoint without one accepts only requests without one. */
  readonly namespace?: string;
  /** `major.minor[.rev]`: the version a client sends, or an endpoint implements. */
  readonly version?: string;
  /** A cast to every server of the topic (through the `topic_fanout` exchange). */
  readonly fanout?: boolean;
  /** Further namespaces an endpoint accepts (oslo `legacy_namespaces`). */
  readonly legacyNamespaces?: readonly string[];
}

export class Target implements TargetInit {
  readonly exchange?: string;
  readonly topic?: string;
  readonly server?: string;
  readonly namespace?: string;
  readonly version?: string;
  readonly fanout?: boolean;
  readonly legacyNamespaces: readonly string[];

  constructor(init: TargetInit = {}) {
    for (const key of ['exchange', 'topic', 'server', 'namespace', 'version', 'fanout'] as const) {
      if (init[key] !== undefined) (this as Record<string, unknown>)[key] = init[key];
    }
    this.legacyNamespaces = [...(init.legacyNamespaces ?? [])];
    Object.freeze(this);
  }

  /** A copy with some fields replaced; `null` clears a field. */
  with(changes: { [K in keyof TargetInit]?: TargetInit[K] | null }): Target {
    const next: Record<string, unknown> = { ...(this as TargetInit), legacyNamespaces: this.legacyNamespaces };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else if (v !== undefined) next[k] = v;
    }
    return new Target(next as TargetInit);
  }

  /** [oslo] `accepted_namespaces`: the namespace (or none) and the legacy ones. */
  accepts(namespace: string | undefined): boolean {
    return namespace === this.namespace || (namespace !== undefined && this.legacyNamespaces.includes(namespace));
  }

  /** oslo's repr, used in error texts: `<Target topic=t, server=s>`. */
  toString(): string {
    const parts = (['exchange', 'topic', 'namespace', 'version', 'server', 'fanout'] as const)
      .filter((k) => this[k] !== undefined)
      .map((k) => `${k}=${this[k]}`);
    return `<Target ${parts.join(', ')}>`;
  }
}

/**
 * Whether an implementation of `impVersion` can serve a request for `version`: same major, and the
 * requested minor (then revision) not above the implemented one. No implemented version: anything goes;
 * no requested version with one implemented: no.
 */
export function versionIsCompatible(impVersion: string | undefined, version: string | undefined): boolean {
  if (impVersion === undefined) return true;
  if (version === undefined) return false;
  const [major, minor, rev = 0] = version.split('.').map(toInt);
  const [impMajor, impMinor, impRev = 0] = impVersion.split('.').map(toInt);
  if (major !== impMajor) return false;
  if ((minor ?? 0) > (impMinor ?? 0)) return false;
  return !(minor === impMinor && rev > impRev);
}

// Python's int() of a non-number raises ValueError; a version like "1.x" is a caller bug.
function toInt(part: string): number {
  const n = Number.parseInt(part, 10);
  if (!/^\s*[-+]?\d+\s*$/.test(part) || Number.isNaN(n)) throw new TypeError(`invalid version part "${part}"`);
  return n;
}
