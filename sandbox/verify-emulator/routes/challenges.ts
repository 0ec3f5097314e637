/**
 * TOTP challenges: create one for a verified factor (`FactorSid`, optional `AuthPayload` 3-8
 * digits and `ExpirationDate` at most 60 minutes ahead), answer it again (`AuthPayload`), fetch it.
 */
import type { FastifyInstance } from 'fastify';
import * as errors from '../errors';
import { challengeJson } from '../shapes';
import { SERVICE, SID, form, identityParam, resourcePath, sidParam, type RouteContext } from './context';

type Params = { identity: string; sid: string };

const TOTP_CODE = /^\d{3,8}$/;
const MAX_EXPIRY_MS = 60 * 60_000;

export function challengeRoutes(app: FastifyInstance, { account, totp }: RouteContext): void {
  const entitySid = (identity: string, url: string) => totp.entity(identity, resourcePath(url)).sid;

  function expiresAt(raw: string | undefined): number | undefined {
    if (raw === undefined) return undefined;
    const ms = Date.parse(raw);
    const now = totp.settings.now();
    if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || !Number.isFinite(ms) || ms <= now || ms > now + MAX_EXPIRY_MS) {
      throw errors.invalidParameter('ExpirationDate');
    }
    return ms;
  }

  app.post<{ Params: Params }>(`${SERVICE}/Entities/:identity/Challenges`, async (request, reply) => {
    const identity = identityParam(request.params.identity, request.url);
    const fields = form(request.body);
    if (fields.FactorSid === undefined || !SID.factor.test(fields.FactorSid)) throw errors.invalidParameter('FactorSid');
    if (fields.AuthPayload !== undefined && !TOTP_CODE.test(fields.AuthPayload)) throw errors.invalidParameter('AuthPayload');
    const input = {
      ...(fields.AuthPayload !== undefined ? { authPayload: fields.AuthPayload } : {}),
      ...(fields.ExpirationDate !== undefined ? { expiresAtMs: expiresAt(fields.ExpirationDate) } : {}),
    };
    const challenge = totp.createChallenge(identity, fields.FactorSid, input, resourcePath(request.url));
    return reply.code(201).send(challengeJson(challenge, entitySid(identity, request.url), account, totp));
  });

  app.post<{ Params: Params }>(`${SERVICE}/Entities/:identity/Challenges/:sid`, async (request) => {
    const identity = identityParam(request.params.identity, request.url);
    const sid = sidParam(request.params.sid, SID.challenge, request.url);
    const { AuthPayload: code } = form(request.body);
    if (code === undefined || !TOTP_CODE.test(code)) throw errors.invalidParameter('AuthPayload');
    const challenge = totp.updateChallenge(identity, sid, code, resourcePath(request.url));
    return challengeJson(challenge, entitySid(identity, request.url), account, totp);
  });

  app.get<{ Params: Params }>(`${SERVICE}/Entities/:identity/Challenges/:sid`, async (request) => {
    const identity = identityParam(request.params.identity, request.url);
    const challenge = totp.challenge(identity, sidParam(request.params.sid, SID.challenge, request.url), resourcePath(request.url));
    return challengeJson(challenge, entitySid(identity, request.url), account, totp);
  });
}
