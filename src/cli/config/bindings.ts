/** qpid-config `bind` and `unbind <exchange-name> <queue-name> [binding-key] [all|any k=v ...]`. */
import type { Arguments, BindingInfo } from '../../admin/index.js';
import { type Admin, adminError } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import { headerArguments } from './arguments.js';
import { BindingNotFound } from './errors.js';

/** The exchange's type, or a not-found error naming it. */
async function exchangeType(admin: Admin, name: string): Promise<string> {
  try {
    return (await admin.client.exchange(admin.vhost, name)).type;
  } catch (e) {
    throw adminError(e, { kind: 'exchange', name, vhost: admin.vhost });
  }
}

export async function bind(admin: Admin, words: string[]): Promise<number> {
  const [ename, qname, key = ''] = words as [string, string, string?];
  const type = await exchangeType(admin, ename);
  const bindArgs = type === 'headers' ? headerArguments(words.slice(3)) : {};
  try {
    await admin.client.bind(admin.vhost, ename, qname, { routing_key: key, arguments: bindArgs });
  } catch (e) {
    throw adminError(e, { kind: 'queue', name: qname, vhost: admin.vhost });
  }
  return EXIT_OK;
}

export async function unbind(admin: Admin, words: string[]): Promise<number> {
  const [ename, qname, key = ''] = words as [string, string, string?];
  const type = await exchangeType(admin, ename);
  // Qpid names a binding by exchange, queue and key; RabbitMQ also by its arguments: with `all|any k=v`
  // only the binding with those arguments goes, without them every binding with the key does.
  const wanted = type === 'headers' && words.length > 3 ? headerArguments(words.slice(3)) : undefined;
  let list: BindingInfo[];
  try {
    list = await admin.client.queueBindings(admin.vhost, qname);
  } catch (e) {
    throw adminError(e, { kind: 'queue', name: qname, vhost: admin.vhost });
  }
  const same = (a: Arguments, b: Arguments) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  const doomed = list.filter(
    (b) => b.source === ename && b.routing_key === key && (wanted === undefined || same(b.arguments ?? {}, wanted)),
  );
  if (doomed.length === 0) {
    throw new BindingNotFound(`no binding of queue '${qname}' to exchange '${ename}' with key '${key}'`);
  }
  for (const b of doomed) {
    try {
      await admin.client.unbind(admin.vhost, ename, qname, { routing_key: key, arguments: b.arguments ?? {} });
    } catch (e) {
      throw adminError(e);
    }
  }
  return EXIT_OK;
}

function sorted(o: Arguments): Arguments {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
