/** Authy users: users/new, users/{id}/status, users/{id}/remove. */
import type { FastifyInstance } from 'fastify';
import * as errors from '../errors';
import { parseCountryCode, parseNationalNumber } from '../phone-number';
import { MAX_VALUE_LENGTH, param } from '../request-params';
import { authyIdParam, sources, type RouteContext } from './context';

/** A plain email check: one "@", something either side, no spaces; Authy refuses worse ones with 60027. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function usersRoutes(app: FastifyInstance, { emulator }: RouteContext): void {
  app.post('/protected/json/users/new', async (request) => {
    const from = sources(request);
    const email = param(from, ['user', 'email']);
    const cellphone = param(from, ['user', 'cellphone']);
    const countryCodeRaw = param(from, ['user', 'country_code']);
    if (email === undefined || email.trim() === '') throw errors.invalidParameter('user[email]');
    if (cellphone === undefined || cellphone.trim() === '') throw errors.invalidParameter('user[cellphone]');
    if (countryCodeRaw === undefined || countryCodeRaw.trim() === '') throw errors.invalidParameter('user[country_code]');
    const countryCode = parseCountryCode(countryCodeRaw);
    if (countryCode === null) throw errors.invalidParameter('user[country_code]', 'is not a valid Integer');

    const invalid: Record<string, string> = {};
    if (email.length > MAX_VALUE_LENGTH || !EMAIL.test(email.trim())) invalid.email = 'is invalid';
    const national = parseNationalNumber(cellphone, countryCode);
    if (national === null) invalid.cellphone = 'is invalid';
    if (national === null || Object.keys(invalid).length > 0) throw errors.userNotValid(invalid);

    const user = emulator.registerUser(email.trim(), countryCode, national);
    return { message: 'User created successfully.', user: { id: user.id }, success: true };
  });

  app.get<{ Params: { authy_id: string } }>('/protected/json/users/:authy_id/status', async (request) => {
    return { status: emulator.status(authyIdParam(request.params.authy_id)), message: 'User status.', success: true };
  });

  app.post<{ Params: { authy_id: string } }>('/protected/json/users/:authy_id/remove', async (request) => {
    emulator.remove(authyIdParam(request.params.authy_id));
    return { message: 'User removed from application', success: true };
  });
}
