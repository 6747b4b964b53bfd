/** qpid-config `add exchange <type> <name>` and `del exchange <name>`. */
import { type Admin, adminError } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import { type ConfigArgs, exchangeArguments } from './arguments.js';
import { ObjectAlreadyExists } from './errors.js';

export async function addExchange(admin: Admin, args: ConfigArgs, rest: string[]): Promise<number> {
  const [type, name] = rest as [string, string];
  let created: boolean;
  try {
    created = await admin.client.declareExchange(admin.vhost, name, {
      type,
      durable: args.durable === true,
      auto_delete: false,
      internal: false,
      arguments: exchangeArguments(args),
    });
  } catch (e) {
    throw adminError(e);
  }
  if (!created) throw new ObjectAlreadyExists(`exchange '${name}' already exists in vhost '${admin.vhost}'`);
  return EXIT_OK;
}

export async function delExchange(admin: Admin, name: string): Promise<number> {
  try {
    await admin.client.deleteExchange(admin.vhost, name);
  } catch (e) {
    throw adminError(e, { kind: 'exchange', name, vhost: admin.vhost });
  }
  return EXIT_OK;
}
