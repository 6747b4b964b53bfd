// A TCP proxy between a client and a broker that decodes what the client sends, so tests can assert
// how a tool talks AMQP (basic.consume with basic.qos, acks with multiple) and not only what it prints.
//
//   const tap = await startTap(brokerPort);
//   await run('drain', ['-b', `127.0.0.1:${tap.port}`, ...]);
//   expect(tap.methods('basic.get')).toHaveLength(0);
//   await tap.close();
import { connect, createServer, type Server, type Socket } from 'node:net';
import { decodeMethod, FrameReader, FrameType, type Method } from '../../src/protocol/index.js';

export interface Tap {
  readonly port: number;
  /** Methods the client sent, in order (every connection through the tap). */
  readonly sent: Method[];
  methods(name: string): Method[];
  close(): Promise<void>;
}

export async function startTap(brokerPort: number, brokerHost = '127.0.0.1'): Promise<Tap> {
  const sent: Method[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: brokerHost, port: brokerPort });
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const reader = new FrameReader(1 << 20);
    let header = 8; // the client's protocol header comes first
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      let data = chunk;
      if (header > 0) {
        const skip = Math.min(header, data.length);
        header -= skip;
        data = data.subarray(skip);
      }
      if (data.length === 0) return;
      reader.push(data);
      for (let f = reader.next(); f !== undefined; f = reader.next()) {
        if (f.type === FrameType.METHOD) sent.push(decodeMethod(f.payload));
      }
    });
    upstream.on('data', (d: Buffer) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    sent,
    methods: (name) => sent.filter((m) => m.name === name),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
