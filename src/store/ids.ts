// Fresh prefixed ids for entities created at run time (fixtures make their own, from the seed).
// The random bytes come from a pool filled 4 KiB at a time: a call into the system's generator
// per id showed in the write path's profile. Ids are not secrets (keys and tokens have their own).
import { randomFillSync } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const pool = Buffer.alloc(4096);
let used = pool.length;

/** The next `length` random bytes of the pool (valid until the next call). */
function take(length: number): number {
  if (used + length > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += length;
  return at;
}

export function newId(prefix: string, length = 12): string {
  const at = take(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[pool[at + i]! % ALPHABET.length];
  return `${prefix}_${out}`;
}

/** `bytes` random bytes as hex (event ids). */
export function randomHex(bytes: number): string {
  const at = take(bytes);
  return pool.toString('hex', at, at + bytes);
}
