/** npm run report counts users enrolled with Twilio Verify as enrolled; a Verify record without a factor (or of another provider) not. */
import { EnrollmentTally } from '../../scripts/admin/tally';

const NOW = Date.parse('2026-06-02T10:00:00.000Z');
const YF = 'YF' + 'a'.repeat(32);

test('Verify users with a factor are enrolled', () => {
  const t = new EnrollmentTally(NOW);
  t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, provider: 'verify', verify_factor_sid: YF, failures: 0 } } });
  t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, provider: 'verify', failures: 1 } } });
  t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, provider: 'duo', authy_id: '5', failures: 0 } } });
  t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, authy_id: '7', failures: 0 } } });
  expect(t.result().total).toEqual({ users: 4, enrolled: 2, not_enrolled: 2, locked: 0, legacy_format: 0, recovery_low: 0 });
});
