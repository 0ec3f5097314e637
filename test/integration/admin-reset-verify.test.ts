/**
 * reset-2fa --remove-from-verify against a nock-served tenant and Twilio Verify's
 * `DELETE /v2/Services/{VA}/Entities/{identity}/Factors/{YF}` (204; 404 with error 20404 when the
 * factor is gone already): the factor is deleted before the enrollment is removed, and when
 * Twilio refuses, nothing is written in Auth0.
 */
import nock from 'nock';
import { verifyIdentity } from '../../lib/providers/verify';
import { main as reset } from '../../scripts/reset-2fa';
import { FakeClock } from '../fixtures/admin/fake-clock';
import { captureStreams, FakeTenant, TEST_ENV, type FakeUser, useFakeTenant } from '../fixtures/admin/fake-tenant';
import { ACCOUNT_SID, AUTH_TOKEN, IDENTITY_SECRET, SERVICE_PATH, SERVICE_SID, basic, twilioError } from '../helpers/verify';

const FACTOR = 'YF' + '4'.repeat(32);
const VERIFY_USER: FakeUser = {
  user_id: 'auth0|verify-user',
  connection: 'Username-Password-Authentication',
  app_metadata: { plan: 'gold', authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: FACTOR, failures: 0 } },
};
const ENV = {
  ...TEST_ENV,
  VERIFY_SERVICE_SID: SERVICE_SID,
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  VERIFY_IDENTITY_KEY: IDENTITY_SECRET,
};
const FACTOR_PATH = `${SERVICE_PATH}/Entities/${verifyIdentity(VERIFY_USER.user_id, IDENTITY_SECRET)}/Factors/${FACTOR}`;

let clock: FakeClock;
let tenant: FakeTenant;

useFakeTenant((fake) => ({ clock, tenant } = fake), VERIFY_USER);

async function run(env: Record<string, string>, ...argv: string[]) {
  const io = captureStreams();
  const code = await reset({ argv, env, stdout: io.stdout, stderr: io.stderr, clock });
  return { code, out: io.out(), err: io.err() };
}

describe('reset-2fa --remove-from-verify', () => {
  it('deletes the stored factor at Twilio (Basic auth), then removes the enrollment', async () => {
    const order: string[] = [];
    const twilio = nock('https://verify.twilio.com')
      .delete(FACTOR_PATH)
      .matchHeader('authorization', basic(ACCOUNT_SID, AUTH_TOKEN))
      .reply(() => {
        order.push(`twilio, Auth0 patches so far: ${tenant.patches().length}`);
        return [204, ''];
      });
    const { code, out } = await run(ENV, VERIFY_USER.user_id, '--remove-from-verify', '--yes');
    expect(code).toBe(0);
    expect(twilio.isDone()).toBe(true);
    expect(order).toEqual(['twilio, Auth0 patches so far: 0']);
    expect(tenant.patches().map((p) => p.body)).toEqual([{ app_metadata: { authy_2fa: null } }]);
    expect(tenant.users.get(VERIFY_USER.user_id)?.app_metadata).toEqual({ plan: 'gold' });
    expect(out).toContain(`Verify factor ${FACTOR}: will be deleted from Twilio Verify`);
    expect(out).toContain(`Verify factor ${FACTOR}: deleted from Twilio Verify`);
    expect(out).not.toContain(AUTH_TOKEN);
  });

  it('goes on when Twilio has no such factor any more (20404)', async () => {
    nock('https://verify.twilio.com')
      .delete(FACTOR_PATH)
      .reply(404, twilioError(20404, 404, 'The requested resource was not found'));
    const { code } = await run(ENV, VERIFY_USER.user_id, '--remove-from-verify', '--yes');
    expect(code).toBe(0);
    expect(tenant.patches()).toHaveLength(1);
  });

  it('writes nothing in Auth0 when Twilio refuses, and says so', async () => {
    nock('https://verify.twilio.com')
      .delete(FACTOR_PATH)
      .reply(401, twilioError(20003, 401, 'Authenticate'));
    const { code, err } = await run(ENV, VERIFY_USER.user_id, '--remove-from-verify', '--yes');
    expect(code).toBe(1);
    expect(tenant.patches()).toHaveLength(0);
    expect(err).toContain(`Twilio Verify did not delete factor ${FACTOR} (BAD_CREDENTIALS); the Auth0 enrollment was left unchanged.`);
    expect(err).toContain('Check the TWILIO_* credentials.');
  });

  it('names every missing Verify setting at once, before any request', async () => {
    const { code, err } = await run(TEST_ENV, VERIFY_USER.user_id, '--remove-from-verify', '--yes');
    expect(code).toBe(2);
    for (const name of ['VERIFY_SERVICE_SID', 'VERIFY_IDENTITY_KEY', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'])
      expect(err).toContain(name);
    expect(tenant.requests).toEqual([]);
  });

  it('belongs to reset-2fa only, and says when no factor is stored', async () => {
    tenant.add({ ...VERIFY_USER, user_id: 'auth0|authy-user', app_metadata: { authy_2fa: { v: 1, authy_id: '1234567', failures: 0 } } });
    const { code, out } = await run(ENV, 'auth0|authy-user', '--remove-from-verify', '--yes');
    expect(code).toBe(0);
    expect(out).toContain('no Verify factor is stored, so nothing will be deleted from Twilio Verify');
    expect(tenant.patches()).toHaveLength(1);
  });
});
