/**
 * SMS and voice verifications: start one (`To` in E.164, `Channel` sms or call), check a code
 * (`Code` 4-10 digits with `To` or `VerificationSid`), fetch one, update its status (`Status`
 * canceled or approved).
 */
import type { FastifyInstance } from 'fastify';
import * as errors from '../errors';
import { verificationCheckJson, verificationJson } from '../shapes';
import { SERVICE, SID, form, resourcePath, sidParam, type RouteContext } from './context';

/** E.164: "+", a leading non-zero digit, 15 digits at most (60200 names `To` otherwise). */
const E164 = /^\+[1-9]\d{6,14}$/;

export function verificationRoutes(app: FastifyInstance, { account, verifications }: RouteContext): void {
  app.post(`${SERVICE}/Verifications`, async (request, reply) => {
    const fields = form(request.body);
    if (fields.To === undefined || !E164.test(fields.To)) throw errors.invalidParameter('To');
    // The emulator sends SMS and voice only (email, whatsapp and sna need other Twilio set-ups).
    if (fields.Channel !== 'sms' && fields.Channel !== 'call') throw errors.invalidParameter('Channel');
    const record = verifications.start(fields.To, fields.Channel);
    return reply.code(201).send(verificationJson(record, account));
  });

  app.post(`${SERVICE}/VerificationCheck`, async (request) => {
    const fields = form(request.body);
    if (fields.Code === undefined || !/^\d{4,10}$/.test(fields.Code)) throw errors.invalidParameter('Code');
    const { To: to, VerificationSid: sid } = fields;
    if (to === undefined && sid === undefined) throw errors.invalidParameter('To');
    if (to !== undefined && !E164.test(to)) throw errors.invalidParameter('To');
    if (sid !== undefined && !SID.verification.test(sid)) throw errors.invalidParameter('VerificationSid');
    const by = { ...(to !== undefined ? { to } : {}), ...(sid !== undefined ? { sid } : {}) };
    return verificationCheckJson(verifications.check(by, fields.Code, resourcePath(request.url)), account);
  });

  app.get<{ Params: { sid: string } }>(`${SERVICE}/Verifications/:sid`, async (request) => {
    const sid = sidParam(request.params.sid, SID.verification, request.url);
    return verificationJson(verifications.fetch(sid, resourcePath(request.url)), account);
  });

  app.post<{ Params: { sid: string } }>(`${SERVICE}/Verifications/:sid`, async (request) => {
    const sid = sidParam(request.params.sid, SID.verification, request.url);
    const { Status: status } = form(request.body);
    if (status !== 'canceled' && status !== 'approved') throw errors.invalidParameter('Status');
    return verificationJson(verifications.update(sid, status, resourcePath(request.url)), account);
  });
}
