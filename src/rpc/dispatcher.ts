/**
 * [oslo] RPCDispatcher (rpc/dispatcher.py): picks the endpoint by namespace and version, then the
 * method by name. An endpoint is any object; its optional `target` gives the namespace and the
 * version it implements (none = `1.0`); its methods are called as `method(ctxt, args)`.
 *
 * Rules, as oslo's: endpoints are tried in order; one whose namespace accepts the request's and whose
 * version is compatible and that has the method handles it; if some endpoint was compatible but none
 * had the method → NoSuchMethod, if none was compatible → UnsupportedVersion. Methods starting with `_`
 * are never exposed (oslo's DefaultRPCAccessPolicy), nor are `target`, `constructor` or anything
 * inherited from Object.
 */
import type { Context, MessageDict } from './envelope.js';
import { NoSuchMethod, UnsupportedVersion } from './errors.js';
import { Target, type TargetInit, versionIsCompatible } from './target.js';

/** An RPC endpoint: methods `(ctxt, args) => result` plus an optional `target`. */
export interface Endpoint {
  readonly target?: Target | TargetInit;
  // biome-ignore lint/suspicious/noExplicitAny: endpoints are user objects with arbitrary methods.
  [method: string]: any;
}

const DEFAULT_TARGET = new Target();

export class RpcDispatcher {
  constructor(readonly endpoints: readonly Endpoint[]) {
    for (const ep of endpoints) {
      const t = ep.target;
      if (t !== undefined && (t === null || typeof t !== 'object')) {
        throw new TypeError("'target' is a reserved Endpoint attribute used for namespace and version filtering");
      }
    }
  }

  /** Runs the request; throws NoSuchMethod/UnsupportedVersion or whatever the endpoint throws. */
  async dispatch(ctxt: Context, message: MessageDict): Promise<unknown> {
    const method = typeof message['method'] === 'string' ? message['method'] : String(message['method']);
    const rawArgs = message['args'];
    const args = rawArgs !== null && typeof rawArgs === 'object' && !Array.isArray(rawArgs) ? rawArgs : {};
    const namespace = typeof message['namespace'] === 'string' ? message['namespace'] : undefined;
    const version = typeof message['version'] === 'string' ? message['version'] : '1.0';
    let foundCompatible = false;
    for (const endpoint of this.endpoints) {
      const target = targetOf(endpoint);
      if (!(target.accepts(namespace) && versionIsCompatible(target.version ?? '1.0', version))) continue;
      const fn = exposed(endpoint, method);
      if (fn) return await fn.call(endpoint, ctxt, args);
      foundCompatible = true;
    }
    if (foundCompatible) throw new NoSuchMethod(method);
    throw new UnsupportedVersion(version, method);
  }
}

function targetOf(endpoint: Endpoint): Target {
  const t = endpoint.target;
  if (t === undefined) return DEFAULT_TARGET;
  return t instanceof Target ? t : new Target(t);
}

function exposed(endpoint: Endpoint, method: string): ((ctxt: Context, args: unknown) => unknown) | undefined {
  if (method === '' || method.startsWith('_') || method === 'target' || method === 'constructor') return undefined;
  if (method in Object.prototype) return undefined;
  const fn = (endpoint as Record<string, unknown>)[method];
  return typeof fn === 'function' ? (fn as (ctxt: Context, args: unknown) => unknown) : undefined;
}
