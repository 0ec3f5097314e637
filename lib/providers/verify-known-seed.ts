/**
 * Twilio Verify TOTP factors from a seed the user's authenticator app already holds (Authy's
 * seed export), for the migration tools: create with `Binding.Secret` and the seed's real
 * `Config.*`, verify with a code of that seed, list and delete an identity's factors. The same
 * settings, calls and error table as the provider (./verify.ts, ./verify-http.ts).
 */
import { isRecord } from '../is-record';
import type { TotpAlgorithm } from '../totp';
import { APP_CODE, callFrom, totpConfigForm, verifyIdentity, wrongCode, type VerifyProviderOptions } from './verify';
import { IDENTITY, SID } from './verify-http';
import { readFactor } from './verify-replies';
import { ProviderError, isProviderError } from './types';

/** A TOTP factor of one identity, as the migration tools see it (never its secret). */
export interface VerifyTotpFactor {
  sid: string;
  friendlyName: string;
  status: 'unverified' | 'verified';
}

/** The TOTP parameters of a seed that exists already (Config.*), as its authenticator app uses them. */
export interface KnownSeedConfig {
  timeStep: number;
  codeLength: number;
  alg: TotpAlgorithm;
}

/**
 * TOTP factors from a seed the user's authenticator app already holds (Authy's seed export), for
 * the migration to Verify: create it with `Binding.Secret` and the seed's real `Config.*`, verify
 * it with a code of that seed, list and delete an identity's factors (a rerun finds a factor a
 * stopped run created). Same settings, calls and error table as the provider.
 */
export interface VerifyKnownSeedClient {
  identityOf(userId: string): string;
  createTotpFactorFromSeed(
    identity: string,
    seed: { secret: string; config: KnownSeedConfig; friendlyName: string },
  ): Promise<VerifyTotpFactor>;
  verifyTotpFactor(identity: string, factorSid: string, code: string): Promise<VerifyTotpFactor['status']>;
  listTotpFactors(identity: string): Promise<VerifyTotpFactor[]>;
  deleteFactor(identity: string, factorSid: string): Promise<void>;
}

function factorOf(reply: Record<string, unknown> | null, identity: string, sid?: string): VerifyTotpFactor {
  const factor = readFactor(reply, sid === undefined ? { identity } : { identity, sid });
  const name = reply?.friendly_name;
  return { sid: factor.sid, status: factor.status, friendlyName: typeof name === 'string' ? name : '' };
}

export function createVerifyKnownSeedClient(options: VerifyProviderOptions): VerifyKnownSeedClient {
  const call = callFrom(options);
  const checkIdentity = (identity: string) => {
    if (!IDENTITY.test(identity)) throw new ProviderError('INVALID_REQUEST', 'not a valid Verify identity', 'verify');
  };
  const checkFactor = (sid: string) => {
    if (!SID.factor.test(sid)) throw new ProviderError('INVALID_REQUEST', 'not a valid factor SID', 'verify');
  };
  return {
    identityOf: (userId) => verifyIdentity(userId, options.identitySecret),

    async createTotpFactorFromSeed(identity, { secret, config, friendlyName }) {
      checkIdentity(identity);
      if (!/^[A-Z2-7]+=*$/.test(secret)) throw new ProviderError('INVALID_REQUEST', 'the seed is not base32', 'verify');
      const form = {
        FactorType: 'totp',
        FriendlyName: friendlyName.slice(0, 64),
        'Binding.Secret': secret,
        ...totpConfigForm({ timeStep: config.timeStep, codeLength: config.codeLength, alg: config.alg }),
      };
      const created = factorOf(await call('POST', `/Entities/${identity}/Factors`, form), identity);
      if (created.status !== 'unverified') throw malformedFactor();
      return created;
    },

    async verifyTotpFactor(identity, factorSid, code) {
      checkIdentity(identity);
      checkFactor(factorSid);
      if (!APP_CODE.test(code)) throw wrongCode();
      return factorOf(await call('POST', `/Entities/${identity}/Factors/${factorSid}`, { AuthPayload: code }), identity, factorSid).status;
    },

    async listTotpFactors(identity) {
      checkIdentity(identity);
      let reply: Record<string, unknown> | null;
      try {
        reply = await call('GET', `/Entities/${identity}/Factors?PageSize=50`);
      } catch (error) {
        // No Entity yet: no factors.
        if (isProviderError(error) && error.code === 'NOT_FOUND') return [];
        throw error;
      }
      const factors = reply?.factors;
      if (!Array.isArray(factors)) throw malformedFactor();
      return factors.filter((f): f is Record<string, unknown> => isRecord(f) && f.factor_type === 'totp').map((f) => factorOf(f, identity));
    },

    async deleteFactor(identity, factorSid) {
      checkIdentity(identity);
      checkFactor(factorSid);
      try {
        await call('DELETE', `/Entities/${identity}/Factors/${factorSid}`);
      } catch (error) {
        if (!isProviderError(error) || error.code !== 'NOT_FOUND') throw error;
      }
    },
  };
}

function malformedFactor(): ProviderError {
  return new ProviderError('UNAVAILABLE', 'Twilio Verify answered with an unexpected factor', 'verify');
}
