/**
 * Random values (the forms server's visit ids, CSRF tokens and reservation ids, the outbound
 * token's nonce, the seal's IV) from node:crypto's CSPRNG, drawn in blocks of 4 KiB rather than
 * one call per value: a call costs about as much as the block (Node's own randomUUID caches its
 * entropy the same way). The bytes are the CSPRNG's, each handed out once and wiped from the
 * block as it is handed out, so no two values share a byte.
 */
import { randomFillSync } from 'node:crypto';

const BLOCK_BYTES = 4096;
const MAX_BYTES = 256;

let block: Buffer | null = null;
let offset = BLOCK_BYTES;

function take(bytes: number): number {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > MAX_BYTES)
    throw new RangeError(`bytes must be an integer from 1 to ${MAX_BYTES}`);
  if (!block || offset + bytes > BLOCK_BYTES) {
    block ??= Buffer.allocUnsafeSlow(BLOCK_BYTES);
    randomFillSync(block);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  return start;
}

/** `bytes` fresh random bytes (1 to 256) as base64url text. */
export function randomBase64url(bytes: number): string {
  const start = take(bytes);
  const pool = block as Buffer;
  const text = pool.toString('base64url', start, start + bytes);
  pool.fill(0, start, start + bytes);
  return text;
}

/** `bytes` fresh random bytes (1 to 256), in a Buffer of their own. */
export function randomBuffer(bytes: number): Buffer {
  const start = take(bytes);
  const pool = block as Buffer;
  const copy = Buffer.from(pool.subarray(start, start + bytes));
  pool.fill(0, start, start + bytes);
  return copy;
}
