/**
 * Outbound tokens minted exactly as Auth0's `api.redirect.encodeToken` does (as
 * test/helpers/forms.ts mintOutbound): HS256 of outboundPayload(...) plus sub, iss, iat, exp,
 * ip. Each token carries a random nonce and opens one visit, so every visit gets a fresh token,
 * a user of its own and a client address of its own.
 */
import { signHs256 } from '../lib/jwt-hs256';
import { seal } from '../lib/seal';
import { outboundPayload } from '../lib/token-contract';
import { EMAIL, AUTHY_ID, SECRET, STATE, TENANT_HOST } from './settings';

export type UserKind = 'enrolled' | 'new';

export interface MintOptions {
  kind: UserKind;
  userId: string;
  ttlSec: number;
  maxFailures?: number;
}

export function mintOutbound(options: MintOptions): string {
  const iat = Math.floor(Date.now() / 1000);
  const enrolled = options.kind === 'enrolled';
  const payload = outboundPayload({
    continueHost: TENANT_HOST,
    authyId: enrolled ? AUTHY_ID : null,
    sealedEmail: enrolled ? null : seal(EMAIL, SECRET),
    failures: 0,
    maxFailures: options.maxFailures ?? 5,
    lockSeconds: 900,
    locale: '',
  });
  return signHs256({ ...payload, iat, sub: options.userId, iss: TENANT_HOST, exp: iat + options.ttlSec, ip: '203.0.113.7' }, SECRET);
}

export function entryPath(token: string): string {
  return `/2fa?state=${STATE}&session_token=${token}`;
}

let visitCounter = 0;

/** A client address of its own for each visit (10.0.0.0/8 has room for 16 million). */
export function nextAddress(n: number): string {
  return `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface VisitLink {
  path: string;
  address: string;
}

/**
 * Links (entry path + address) for one scenario: `prepare(n)` mints n ahead of the run, so the
 * load generator spends no time signing; when they run out, the rest are minted on demand
 * (counted in `mintedLate`).
 */
export class LinkSource {
  private pool: VisitLink[] = [];
  private taken = 0;
  mintedLate = 0;

  constructor(
    readonly label: string,
    readonly kind: UserKind,
    readonly ttlSec: number,
    readonly maxFailures = 5,
  ) {}

  private mint(): VisitLink {
    const n = ++visitCounter;
    const token = mintOutbound({
      kind: this.kind,
      userId: `auth0|bench-${this.label}-${n}`,
      ttlSec: this.ttlSec,
      maxFailures: this.maxFailures,
    });
    return { path: entryPath(token), address: nextAddress(n) };
  }

  prepare(count: number): void {
    this.pool = Array.from({ length: count }, () => this.mint());
    this.taken = 0;
    this.mintedLate = 0;
  }

  next(): VisitLink {
    if (this.taken < this.pool.length) {
      const link = this.pool[this.taken];
      this.pool[this.taken++] = undefined as unknown as VisitLink; // let it go once used
      return link;
    }
    this.mintedLate += 1;
    return this.mint();
  }

  get used(): number {
    return this.taken + this.mintedLate;
  }
}
