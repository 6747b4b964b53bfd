/** qpid-config `add queue <name>` and `del queue <name>` (--force, --force-if-not-empty, --force-if-used). */
import { type Admin, adminError } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import { type ConfigArgs, queueArguments, queueType } from './arguments.js';
import { ObjectAlreadyExists } from './errors.js';

export async function addQueue(admin: Admin, args: ConfigArgs, rest: string[]): Promise<number> {
  const name = rest[0] as string;
  let created: boolean;
  try {
    created = await admin.client.declareQueue(admin.vhost, name, {
      durable: args.durable === true || queueType(args) !== undefined,
      auto_delete: false,
      arguments: queueArguments(args),
    });
  } catch (e) {
    throw adminError(e);
  }
  if (!created) throw new ObjectAlreadyExists(`queue '${name}' already exists in vhost '${admin.vhost}'`);
  return EXIT_OK;
}

export async function delQueue(admin: Admin, args: ConfigArgs, name: string): Promise<number> {
  const ifEmpty = !(args.force || args['force-if-not-empty']);
  const ifUnused = !(args.force || args['force-if-used']);
  try {
    await admin.client.deleteQueue(admin.vhost, name, { ifEmpty, ifUnused });
  } catch (e) {
    throw forceHint(adminError(e, { kind: 'queue', name, vhost: admin.vhost }));
  }
  return EXIT_OK;
}

/** A refused `del queue` says which flag deletes anyway. */
function forceHint(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  if (/not empty/.test(e.message)) e.message += ': use --force-if-not-empty (or --force) to delete it anyway';
  else if (/in use/.test(e.message)) e.message += ': use --force-if-used (or --force) to delete it anyway';
  return e;
}
