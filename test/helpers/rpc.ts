/**
 * Names for RPC tests that leave nothing behind on the shared RabbitMQ node: oslo's topic and
 * notification queues are neither exclusive nor auto-delete, so every name a file uses starts with one
 * unique scope, and cleanup() deletes the scope's queues and exchanges. (The `reply_<uuid>` queues of RPC
 * clients, ours and Python's, carry oslo's x-expires of 30 minutes and go away by themselves.)
 */
import { deleteRabbitmqObjects, rabbitmqUrl, uniqueName } from './rabbitmq.js';

export interface RpcScope {
  /** `<scope>-<prefix><n>`: unique, and safe as an oslo topic and in address strings. */
  name(prefix?: string): string;
  /** Deletes the scope's queues and exchanges on RabbitMQ (no-op without RABBITMQ_URL). */
  cleanup(): Promise<void>;
}

export function rpcScope(tag: string): RpcScope {
  const base = uniqueName(tag);
  let n = 0;
  return {
    name: (prefix = 't') => `${base}-${prefix}${n++}`,
    cleanup: async () => {
      if (rabbitmqUrl) await deleteRabbitmqObjects(base);
    },
  };
}
