/**
 * Entities and TOTP factors: create a factor (`FactorType=totp`, `FriendlyName`, `Binding.Secret`,
 * `Config.TimeStep` 20-60, `Config.Skew` 0-2, `Config.CodeLength` 3-8, `Config.Alg`), verify it
 * (`AuthPayload`), fetch, delete; fetch and delete the entity.
 */
import type { FastifyInstance } from 'fastify';
import type { TotpAlgorithm } from '../../../lib/totp';
import * as errors from '../errors';
import { factorJson, twilioTime } from '../shapes';
import { IDENTITY, SERVICE, SID, form, identityParam, intField, resourcePath, sidParam, type RouteContext } from './context';

type Params = { identity: string; sid: string };

const ALGS: readonly string[] = ['sha1', 'sha256', 'sha512'];

export function factorRoutes(app: FastifyInstance, { account, totp }: RouteContext): void {
  const entityOf = (identity: string, url: string) => totp.entity(identity, resourcePath(url));

  app.post<{ Params: Params }>(`${SERVICE}/Entities/:identity/Factors`, async (request, reply) => {
    const { identity } = request.params;
    if (!IDENTITY.test(identity)) throw errors.invalidParameter('Identity');
    const fields = form(request.body);
    // The emulator has TOTP only: push needs Twilio's mobile SDK, passkeys another endpoint.
    if (fields.FactorType !== 'totp') throw errors.invalidParameter('FactorType');
    const friendlyName = fields.FriendlyName;
    if (friendlyName === undefined || friendlyName.length === 0 || friendlyName.length > 64) throw errors.invalidParameter('FriendlyName');
    const alg = fields['Config.Alg'] ?? 'sha1';
    if (!ALGS.includes(alg)) throw errors.invalidParameter('Config.Alg');
    const factor = totp.createFactor(identity, {
      friendlyName,
      ...(fields['Binding.Secret'] !== undefined ? { secret: fields['Binding.Secret'] } : {}),
      timeStep: intField(fields, 'Config.TimeStep', 20, 60, 30),
      skew: intField(fields, 'Config.Skew', 0, 2, 1),
      codeLength: intField(fields, 'Config.CodeLength', 3, 8, 6),
      alg: alg as TotpAlgorithm,
    });
    return reply.code(201).send(factorJson(factor, entityOf(identity, request.url).sid, account, true));
  });

  app.post<{ Params: Params }>(`${SERVICE}/Entities/:identity/Factors/:sid`, async (request) => {
    const identity = identityParam(request.params.identity, request.url);
    const sid = sidParam(request.params.sid, SID.factor, request.url);
    const fields = form(request.body);
    if (fields.AuthPayload !== undefined && !/^\d{3,8}$/.test(fields.AuthPayload)) throw errors.invalidParameter('AuthPayload');
    if (fields.FriendlyName !== undefined && (fields.FriendlyName.length === 0 || fields.FriendlyName.length > 64)) {
      throw errors.invalidParameter('FriendlyName');
    }
    const update = { authPayload: fields.AuthPayload, friendlyName: fields.FriendlyName };
    const factor = totp.verifyFactor(identity, sid, update, resourcePath(request.url));
    return factorJson(factor, entityOf(identity, request.url).sid, account);
  });

  app.get<{ Params: Params }>(`${SERVICE}/Entities/:identity/Factors/:sid`, async (request) => {
    const identity = identityParam(request.params.identity, request.url);
    const factor = totp.factor(identity, sidParam(request.params.sid, SID.factor, request.url), resourcePath(request.url));
    return factorJson(factor, entityOf(identity, request.url).sid, account);
  });

  app.delete<{ Params: Params }>(`${SERVICE}/Entities/:identity/Factors/:sid`, async (request, reply) => {
    const identity = identityParam(request.params.identity, request.url);
    totp.deleteFactor(identity, sidParam(request.params.sid, SID.factor, request.url), resourcePath(request.url));
    return reply.code(204).send();
  });

  app.get<{ Params: Params }>(`${SERVICE}/Entities/:identity`, async (request) => {
    const entity = entityOf(identityParam(request.params.identity, request.url), request.url);
    const url = `https://verify.twilio.com/v2/Services/${account.serviceSid}/Entities/${entity.identity}`;
    return {
      sid: entity.sid,
      identity: entity.identity,
      account_sid: account.accountSid,
      service_sid: account.serviceSid,
      date_created: twilioTime(entity.createdAtMs),
      date_updated: twilioTime(entity.createdAtMs),
      url,
      links: { factors: `${url}/Factors`, challenges: `${url}/Challenges` },
    };
  });

  app.delete<{ Params: Params }>(`${SERVICE}/Entities/:identity`, async (request, reply) => {
    totp.deleteEntity(identityParam(request.params.identity, request.url), resourcePath(request.url));
    return reply.code(204).send();
  });
}
