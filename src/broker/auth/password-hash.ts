/**
 * Password hashes in RabbitMQ's internal format (rabbit_password +
 * rabbit_password_hashing_*): base64(salt ++ H(salt ++ utf8(password))) with a
 * 4-byte random salt. Because the format is the same, a definitions file
 * exported from RabbitMQ imports here with its hashes and the users keep
 * their passwords.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type HashingAlgorithm =
  | 'rabbit_password_hashing_sha256'
  | 'rabbit_password_hashing_sha512'
  | 'rabbit_password_hashing_md5';

/** RabbitMQ 3.10's default (password_hashing_module). */
export const DEFAULT_HASHING: HashingAlgorithm = 'rabbit_password_hashing_sha256';

const DIGESTS: Record<HashingAlgorithm, string> = {
  rabbit_password_hashing_sha256: 'sha256',
  rabbit_password_hashing_sha512: 'sha512',
  rabbit_password_hashing_md5: 'md5',
};

const SALT_BYTES = 4;

export function isHashingAlgorithm(s: unknown): s is HashingAlgorithm {
  return typeof s === 'string' && Object.hasOwn(DIGESTS, s);
}

function digest(algorithm: HashingAlgorithm, salt: Buffer, password: string): Buffer {
  return createHash(DIGESTS[algorithm]).update(salt).update(password, 'utf8').digest();
}

/** A new salted hash of `password` (rabbit_password:hash/2). */
export function hashPassword(password: string, algorithm: HashingAlgorithm = DEFAULT_HASHING): string {
  const salt = randomBytes(SALT_BYTES);
  return Buffer.concat([salt, digest(algorithm, salt, password)]).toString('base64');
}

/**
 * True when `password` matches `hash`. An empty hash is a user without a
 * password, who cannot log in with one (RabbitMQ: passwordless users).
 */
export function verifyPassword(password: string, hash: string, algorithm: HashingAlgorithm): boolean {
  if (hash === '') return false;
  const raw = Buffer.from(hash, 'base64');
  if (raw.length <= SALT_BYTES) return false;
  const salt = raw.subarray(0, SALT_BYTES);
  const expected = raw.subarray(SALT_BYTES);
  const actual = digest(algorithm, salt, password);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash as RabbitMQ's definitions carry it must be base64 of at least salt plus digest. */
export function isValidHash(hash: string, algorithm: HashingAlgorithm): boolean {
  if (hash === '') return true;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(hash)) return false;
  const len = createHash(DIGESTS[algorithm]).digest().length;
  return Buffer.from(hash, 'base64').length === SALT_BYTES + len;
}
