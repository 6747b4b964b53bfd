/** JSON shapes of the access-control objects, as RabbitMQ's management API writes and reads them. */
import type { User } from '../auth/types.js';
import type { Json, JsonObject } from './json.js';

/** RabbitMQ accepts tags as "a,b" or ["a","b"]; blanks are dropped. */
export function parseTags(v: Json | undefined): string[] {
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return list.map((t) => t.trim()).filter((t) => t !== '');
}

export function userJson(u: User): JsonObject {
  return {
    name: u.name,
    password_hash: u.passwordHash,
    hashing_algorithm: u.hashingAlgorithm,
    tags: [...u.tags],
    limits: { ...u.limits },
  };
}
