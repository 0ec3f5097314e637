/**
 * What the emulated Verify does with TOTP, apart from HTTP: entities, factors (created
 * unverified with a seed, verified by a first code), and challenges (approved by a code of the
 * factor, with the factor's own time step, skew, length and algorithm). Real RFC 6238 codes
 * (lib/totp.ts). A code that approved something once is refused afterwards: Twilio does not say
 * whether it refuses replays; the emulator takes the safe side.
 */
import { base32Decode, base32Encode, matchingStep, newSeed, secondsLeft, totp, type TotpAlgorithm } from '../../lib/totp';
import * as errors from './errors';
import { LIMITS, newSid, type ChallengeRecord, type EntityRecord, type FactorRecord, type VerifyStore } from './store';

export interface TotpSettings {
  now: () => number;
  /** The issuer in binding URIs (Twilio uses the Service's friendly name). */
  serviceName: string;
}

export interface FactorParams {
  friendlyName: string;
  secret?: string;
  timeStep: number;
  skew: number;
  codeLength: number;
  alg: TotpAlgorithm;
}

/** Checks per challenge and first-code tries per factor (Twilio: 5 each for TOTP). */
export const MAX_ATTEMPTS = 5;
/** A challenge lives 5 minutes unless ExpirationDate says otherwise (at most 60). */
export const CHALLENGE_TTL_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The otpauth URI as Twilio builds it: issuer:account label, secret, issuer, algorithm, digits, period. */
export function bindingUri(factor: FactorRecord, issuer: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(factor.friendlyName)}`;
  const query = `secret=${factor.secret}&issuer=${encodeURIComponent(issuer)}&algorithm=${factor.alg.toUpperCase()}`;
  return `otpauth://totp/${label}?${query}&digits=${factor.codeLength}&period=${factor.timeStep}`;
}

export class TotpFactors {
  constructor(
    private readonly store: VerifyStore,
    readonly settings: TotpSettings,
  ) {}

  createFactor(identity: string, params: FactorParams): FactorRecord {
    const now = this.settings.now();
    let entity = this.store.entities.get(identity);
    if (!entity) {
      if (this.store.entities.size >= LIMITS.entities) throw errors.tooManyRequests();
      entity = { sid: newSid('YE'), identity, createdAtMs: now, factors: new Map() };
      this.store.entities.set(identity, entity);
    }
    if (entity.factors.size >= LIMITS.factorsPerEntity) throw errors.tooManyRequests();
    let seed: Buffer;
    try {
      seed = params.secret === undefined ? newSeed() : base32Decode(params.secret);
    } catch {
      throw errors.invalidParameter('Binding.Secret');
    }
    if (seed.length < 16) throw errors.invalidParameter('Binding.Secret');
    const factor: FactorRecord = {
      sid: newSid('YF'),
      identity,
      friendlyName: params.friendlyName,
      seed,
      secret: base32Encode(seed, { padding: false }),
      timeStep: params.timeStep,
      skew: params.skew,
      codeLength: params.codeLength,
      alg: params.alg,
      status: 'unverified',
      createdAtMs: now,
      updatedAtMs: now,
      verifyAttempts: 0,
      challengeTimesMs: [],
      usedSteps: [],
    };
    entity.factors.set(factor.sid, factor);
    return factor;
  }

  entity(identity: string, path: string): EntityRecord {
    const entity = this.store.entities.get(identity);
    if (!entity) throw errors.notFound(path);
    return entity;
  }

  factor(identity: string, sid: string, path: string): FactorRecord {
    const factor = this.entity(identity, path).factors.get(sid);
    if (!factor) throw errors.notFound(path);
    return factor;
  }

  /** The step of `code` for this factor, unless it is wrong or already used. */
  private step(factor: FactorRecord, code: string): number | null {
    const step = matchingStep(factor.seed, code, this.settings.now(), factor.codeLength, factor.timeStep, {
      skew: factor.skew,
      algorithm: factor.alg,
    });
    return step === null || factor.usedSteps.includes(step) ? null : step;
  }

  private spend(factor: FactorRecord, step: number): void {
    factor.usedSteps = [...factor.usedSteps, step].slice(-2 * factor.skew - 2);
  }

  /** POST .../Factors/{sid}: AuthPayload verifies an unverified factor; a wrong code leaves it unverified. */
  verifyFactor(identity: string, sid: string, update: { authPayload?: string; friendlyName?: string }, path: string): FactorRecord {
    const factor = this.factor(identity, sid, path);
    const now = this.settings.now();
    if (update.friendlyName !== undefined) factor.friendlyName = update.friendlyName;
    if (update.authPayload !== undefined && factor.status === 'unverified') {
      if (factor.verifyAttempts >= MAX_ATTEMPTS) throw errors.factorAttempts();
      factor.verifyAttempts += 1;
      const step = this.step(factor, update.authPayload);
      if (step !== null) {
        this.spend(factor, step);
        factor.status = 'verified';
      }
    }
    factor.updatedAtMs = now;
    return factor;
  }

  deleteFactor(identity: string, sid: string, path: string): void {
    const entity = this.entity(identity, path);
    if (!entity.factors.delete(sid)) throw errors.notFound(path);
    for (const [key, challenge] of this.store.challenges) if (challenge.factorSid === sid) this.store.challenges.delete(key);
  }

  deleteEntity(identity: string, path: string): void {
    if (!this.store.entities.delete(identity)) throw errors.notFound(path);
    for (const [key, challenge] of this.store.challenges) if (challenge.identity === identity) this.store.challenges.delete(key);
  }

  /** 60312: 10 a day for codes of 4 digits or fewer; else 50 an hour and 100 a day. */
  private countCreation(factor: FactorRecord, now: number): void {
    factor.challengeTimesMs = factor.challengeTimesMs.filter((t) => t > now - DAY_MS);
    const lastHour = factor.challengeTimesMs.filter((t) => t > now - HOUR_MS).length;
    const lastDay = factor.challengeTimesMs.length;
    const full = factor.codeLength <= 4 ? lastDay >= 10 : lastHour >= 50 || lastDay >= 100;
    if (full) throw errors.challengeLimit();
    factor.challengeTimesMs.push(now);
  }

  createChallenge(
    identity: string,
    factorSid: string,
    input: { authPayload?: string; expiresAtMs?: number },
    path: string,
  ): ChallengeRecord {
    const factor = this.factor(identity, factorSid, path);
    if (factor.status !== 'verified') throw errors.factorUnverified();
    const now = this.settings.now();
    this.store.prune(now);
    if (this.store.challenges.size >= LIMITS.challenges) throw errors.tooManyRequests();
    this.countCreation(factor, now);
    const challenge: ChallengeRecord = {
      sid: newSid('YC'),
      identity,
      factorSid,
      status: 'pending',
      createdAtMs: now,
      updatedAtMs: now,
      respondedAtMs: null,
      expiresAtMs: input.expiresAtMs ?? now + CHALLENGE_TTL_MS,
      attempts: 0,
    };
    this.store.challenges.set(challenge.sid, challenge);
    if (input.authPayload !== undefined) this.answer(challenge, factor, input.authPayload);
    return challenge;
  }

  private answer(challenge: ChallengeRecord, factor: FactorRecord, code: string): void {
    if (challenge.attempts >= MAX_ATTEMPTS) throw errors.challengeAttempts();
    challenge.attempts += 1;
    const now = this.settings.now();
    challenge.updatedAtMs = now;
    const step = this.step(factor, code);
    if (step === null) return;
    this.spend(factor, step);
    challenge.status = 'approved';
    challenge.respondedAtMs = now;
  }

  challenge(identity: string, sid: string, path: string): ChallengeRecord {
    const challenge = this.store.challenges.get(sid);
    if (!challenge || challenge.identity !== identity) throw errors.notFound(path);
    return challenge;
  }

  /** POST .../Challenges/{sid}: one more code for a pending, unexpired challenge; otherwise it is as it was. */
  updateChallenge(identity: string, sid: string, authPayload: string, path: string): ChallengeRecord {
    const challenge = this.challenge(identity, sid, path);
    if (this.challengeStatus(challenge) !== 'pending') return challenge;
    this.answer(challenge, this.factor(identity, challenge.factorSid, path), authPayload);
    return challenge;
  }

  challengeStatus(challenge: ChallengeRecord): 'pending' | 'approved' | 'denied' | 'expired' {
    if (challenge.status === 'pending' && this.settings.now() >= challenge.expiresAtMs) return 'expired';
    return challenge.status;
  }

  /** Every factor with the code an authenticator app would show now (the phone page). */
  currentCodes(): { factor: FactorRecord; code: string; secondsLeft: number }[] {
    const now = this.settings.now();
    return [...this.store.entities.values()].flatMap((entity) =>
      [...entity.factors.values()].map((factor) => ({
        factor,
        code: totp(factor.seed, now, factor.codeLength, factor.timeStep, factor.alg),
        secondsLeft: secondsLeft(now, factor.timeStep),
      })),
    );
  }
}
