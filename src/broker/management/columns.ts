/** RabbitMQ's `?columns=`: the management API's answers cut down to the fields asked for. */
import type { Json, JsonObject } from './json.js';

/** Keeps only the requested `columns` (dotted paths allowed), as RabbitMQ's ?columns= does. */
export function selectColumns(body: Json, columns: string[]): Json {
  const pick = (o: Json): Json => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
    const out: JsonObject = {};
    for (const col of columns) {
      const path = col.split('.');
      let src: Json | undefined = o;
      for (const p of path) src = src !== null && typeof src === 'object' && !Array.isArray(src) ? src[p] : undefined;
      if (src === undefined) continue;
      let dst = out;
      for (const p of path.slice(0, -1)) {
        const next = dst[p];
        if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) dst[p] = {};
        dst = dst[p] as JsonObject;
      }
      dst[path[path.length - 1] as string] = src;
    }
    return out;
  };
  return Array.isArray(body) ? body.map(pick) : pick(body);
}
