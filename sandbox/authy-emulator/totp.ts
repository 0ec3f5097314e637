/** The Authy emulator's TOTP is the product's one RFC 6238 implementation, in lib/totp.ts. */
export { SEED_BYTES, hotp, newSeed, secondsLeft, timeStep, totp, totpMatches } from '../../lib/totp';
