/**
 * enroll-2fa: an admin pre-enrolls one user's phone, so that the user's first login asks for a
 * code instead of letting whoever knows the password enroll a phone. Dry run by default: it
 * finds the user, checks the phone and shows the change. With --apply it registers the phone
 * with Authy (POST /protected/json/users/new), then writes app_metadata.authy_2fa in the
 * Action's format. A user who is enrolled already is refused unless --force. With --json,
 * stdout holds only the `pre_enrolled` audit event of an applied enrollment (audit.ts).
 */
import { AuthyError, createAuthyClient } from '../../lib/authy-client';
import { createAdminAudit, outputFor } from './audit';
import { connect, loadSettings, parseCli, toolSettings, type CliDeps } from './cli';
import { systemClock } from './clock';
import { describeChange } from './describe-change';
import { AdminError } from './errors';
import { lastNetworkMessage, recordingFetch } from './network-errors';
import type { AdminApi, AdminUser } from './management';
import type { Output } from './output';
import { parseAdminPhone, type AdminPhone } from './phone';
import { AUTHY_ID_PENDING, planEnrollment, type EnrollmentChange } from './plan-enrollment';
import { findUser, parseUserRef } from './user-lookup';

export const ENROLL_USAGE =
  'usage: npm run enroll-2fa -- <user id or email> --phone <E.164 or national number> [--country XX] [--env <name>]' +
  ' [--apply] [--force] [--json]';

const OPTIONS = {
  phone: { type: 'string' },
  country: { type: 'string' },
  env: { type: 'string' },
  apply: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

function refuseEnrolled(user: AdminUser, change: EnrollmentChange): AdminError {
  return new AdminError(
    'ALREADY_ENROLLED',
    `${user.user_id} is already enrolled (Authy user ${change.enrolledAuthyId}); nothing was changed. ` +
      'Pass --force to replace the enrollment, or npm run reset-2fa first.',
    describeChange(change.previous, change.patch),
  );
}

/** Registers the phone with Authy; any refusal stops before Auth0 is written. */
async function registerWithAuthy(email: string, phone: AdminPhone, apiKey: string, deps: CliDeps): Promise<string> {
  const probe = recordingFetch(deps.fetch ?? fetch);
  const authy = createAuthyClient({ apiKey, fetch: probe.fetch });
  try {
    const { authyId } = await authy.registerUser({ email, cellphone: phone.nationalNumber, countryCode: phone.countryCallingCode });
    return authyId;
  } catch (error) {
    const code = error instanceof AuthyError ? error.code : 'UNAVAILABLE';
    const network = code === 'UNAVAILABLE' || code === 'TIMEOUT' ? lastNetworkMessage(probe) : null;
    if (network !== null) throw new AdminError('UNREACHABLE', `Authy did not register the phone: ${network} Nothing was written to Auth0.`);
    const refused = ['INVALID_PHONE', 'UNSUPPORTED_PHONE', 'UNSUPPORTED_COUNTRY'].includes(code) ? ': Authy refused the phone number' : '';
    throw new AdminError('AUTHY_FAILED', `Authy did not register the phone (${code})${refused}; nothing was written to Auth0.`);
  }
}

async function writeEnrollment(api: AdminApi, user: AdminUser, change: EnrollmentChange, authyId: string, output: Output): Promise<void> {
  try {
    await api.updateAppMetadata(user.user_id, change.patch);
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    // Authy answers users/new with the same id for the same phone and email, so running again is safe.
    const note = `Authy user ${authyId} is registered, but the enrollment was not written; run the same command again.`;
    throw new AdminError(error.code, `${error.message} ${note}`, error.details);
  }
  output.out(`Changed ${user.user_id}:`);
  for (const line of describeChange(change.previous, change.patch)) output.out(line);
}

export async function runEnroll(deps: CliDeps, cliOutput: Output): Promise<number> {
  const { values, positionals } = parseCli(deps.argv, OPTIONS, ENROLL_USAGE);
  if (values.help) {
    cliOutput.out(ENROLL_USAGE);
    return 0;
  }
  const output = outputFor(cliOutput, values.json);
  if (positionals.length !== 1) throw new AdminError('BAD_USAGE', `give exactly one user id or email\n${ENROLL_USAGE}`);
  // Every argument and setting is checked before the first request.
  const ref = parseUserRef(positionals[0]);
  const phone = parseAdminPhone(values.phone, values.country);
  const apply = values.apply;
  const settings = loadSettings(deps, values.env, output);
  const needs = {
    ...(apply ? { authy: 'enroll-2fa --apply registers the phone with the Authy API' } : {}),
    auditKey: values.json && apply,
  };
  const { credentials: known, authyApiKey: authyKey } = toolSettings(settings, needs);
  const { api, credentials } = connect(settings, output, known);
  // A dry run applies nothing, so it writes no event (and needs no key).
  const audit = createAdminAudit({
    json: values.json && apply,
    tool: 'enroll-2fa',
    tenant: credentials.domain,
    env: settings.env,
    stdout: deps.stdout,
    clock: deps.clock ?? systemClock,
    output,
  });

  const user = await findUser(api, ref);
  const where = `${user.user_id} (connection: ${user.connection ?? 'unknown'})`;
  const nowIso = new Date((deps.clock ?? systemClock).nowMs()).toISOString();
  const preview = planEnrollment(user.app_metadata, AUTHY_ID_PENDING, nowIso);
  if (preview.enrolledAuthyId !== null && !values.force) throw refuseEnrolled(user, preview);
  if (!user.email) throw new AdminError('BAD_USAGE', `${user.user_id} has no email address, which Authy needs to register a phone`);

  output.out(`${apply ? 'Enroll' : 'Dry run: enroll'} 2FA of ${where} with phone ${phone.masked}:`);
  for (const line of describeChange(preview.previous, preview.patch)) output.out(line);
  if (preview.enrolledAuthyId !== null) output.out(`  replaces the enrollment with Authy user ${preview.enrolledAuthyId} (--force)`);
  if (!apply || authyKey === null) {
    output.out('Nothing was changed. Run again with --apply to register the phone with Authy and write the enrollment.');
    return 0;
  }

  const authyId = await registerWithAuthy(user.email, phone, authyKey, deps);
  output.out(`  Authy user ${authyId}: phone ${phone.masked} registered`);
  await writeEnrollment(api, user, planEnrollment(user.app_metadata, authyId, nowIso), authyId, output);
  audit.applied('pre_enrolled', user.user_id, { replaced: preview.enrolledAuthyId !== null });
  output.out('The user is asked for a code at next login; the first login no longer enrolls a phone.');
  return 0;
}
