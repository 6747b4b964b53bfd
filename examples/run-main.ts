/** Runs an example's main() when the file is executed directly: `node --experimental-strip-types examples/x.ts [url]`. */
import { pathToFileURL } from 'node:url';

export function runIfMain(moduleUrl: string, main: (url: string) => Promise<unknown>): void {
  const entry = process.argv[1];
  if (entry && pathToFileURL(entry).href === moduleUrl) {
    main(process.argv[2] ?? 'amqp://guest:guest@localhost:5672').catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
  }
}
