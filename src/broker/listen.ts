/** Binding listeners on several interfaces, shared by the AMQP and management servers. */
import type { Server } from 'node:net';

export interface Listening<S extends Server> {
  readonly servers: S[];
  /** The port and address of the first interface (the one that picked the port when asked for 0). */
  readonly port: number;
  readonly address: string;
}

/**
 * Listens one server per host. The first host picks the port when `port` is 0
 * and the others reuse it. ::1 (or any later host) that the machine does not
 * have is skipped, so a host without IPv6 still serves 127.0.0.1; any other
 * failure closes what was opened and throws.
 */
export async function listenAll<S extends Server>(
  make: () => S,
  hosts: readonly string[],
  port: number,
): Promise<Listening<S>> {
  const servers: S[] = [];
  let bound = { port, address: hosts[0] ?? '127.0.0.1' };
  for (const [i, host] of hosts.entries()) {
    const server = make();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: bound.port, host, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (i > 0 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
      await closeAll(servers);
      throw e;
    }
    const addr = server.address();
    if (i === 0 && addr && typeof addr === 'object') bound = { port: addr.port, address: addr.address };
    servers.push(server);
  }
  return { servers, ...bound };
}

/** Closes servers; `closeAllConnections` (http servers) drops idle keep-alive sockets too. */
export async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          (s as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    ),
  );
}
