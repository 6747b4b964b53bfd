/**
 * One shared copy of each exchange name and routing key in use: every
 * published message decodes its own strings, and a million queued messages
 * with the same routing key would otherwise hold a million copies of it.
 * Bounded: when full the table starts afresh (a later message may then hold
 * its own copy, nothing worse).
 */
const MAX_NAMES = 4096;
const names = new Map<string, string>();

export function internName(s: string): string {
  if (s.length === 0) return '';
  const shared = names.get(s);
  if (shared !== undefined) return shared;
  if (names.size >= MAX_NAMES) names.clear();
  names.set(s, s);
  return s;
}
