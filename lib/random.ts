/**
 * Random ids (the forms server's visit ids, CSRF tokens and reservation ids, the outbound
 * token's nonce) from node:crypto's CSPRNG, drawn in blocks of 4 KiB rather than one call per
 * id: a call costs about as much as the block (Node's own randomUUID caches its entropy the same
 * way). Every byte is handed out once and wiped once handed out. Keys and IVs are not drawn
 * from here: seal.ts takes its IV from randomBytes, one call per seal.
 */
import { randomFillSync } from 'node:crypto';

const BLOCK_BYTES = 4096;
const MAX_BYTES = 256;

let block: Buffer | null = null;
let offset = BLOCK_BYTES;

/** `bytes` fresh random bytes (1 to 256) as base64url text. */
export function randomBase64url(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > MAX_BYTES)
    throw new RangeError(`bytes must be an integer from 1 to ${MAX_BYTES}`);
  if (!block || offset + bytes > BLOCK_BYTES) {
    block ??= Buffer.allocUnsafeSlow(BLOCK_BYTES);
    randomFillSync(block);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  const text = block.toString('base64url', start, offset);
  block.fill(0, start, offset);
  return text;
}
