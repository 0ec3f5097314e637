import { generateRecoveryCodes, hashRecoveryCodes, newRecovery } from '../../lib/recovery-codes';
import { EnrollmentTally, formatReportTable, UNKNOWN_CONNECTION } from '../../scripts/admin/tally';

const NOW = Date.parse('2025-06-02T10:00:00.000Z');

describe('EnrollmentTally', () => {
  it('counts per connection and in total', () => {
    const t = new EnrollmentTally(NOW);
    t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, authy_id: '1', failures: 0 } } });
    t.add({ connection: 'db', app_metadata: { authyID: 2 } });
    t.add({
      connection: 'db',
      app_metadata: { authy_2fa: { v: 1, authy_id: '3', failures: 5, locked_until: '2025-06-02T10:05:00.000Z' } },
    });
    t.add({
      connection: 'db',
      app_metadata: { authy_2fa: { v: 1, authy_id: '4', failures: 5, locked_until: '2025-06-02T09:55:00.000Z' } },
    });
    t.add({ connection: 'social', app_metadata: {} });
    t.add({ connection: null, app_metadata: { mfa: { provider: 'authy', payload: { id: 9 } } } });
    const r = t.result();
    expect(r.by_connection.db).toEqual({ users: 4, enrolled: 4, not_enrolled: 0, locked: 1, legacy_format: 1, recovery_low: 0 });
    expect(r.by_connection.social).toEqual({ users: 1, enrolled: 0, not_enrolled: 1, locked: 0, legacy_format: 0, recovery_low: 0 });
    expect(r.by_connection[UNKNOWN_CONNECTION]).toEqual({
      users: 1,
      enrolled: 1,
      not_enrolled: 0,
      locked: 0,
      legacy_format: 1,
      recovery_low: 0,
    });
    expect(r.total).toEqual({ users: 6, enrolled: 5, not_enrolled: 1, locked: 1, legacy_format: 2, recovery_low: 0 });
    expect(Object.keys(r.by_connection)).toEqual([UNKNOWN_CONNECTION, 'db', 'social']);
  });

  it('formats an aligned table with a total row', () => {
    const t = new EnrollmentTally(NOW);
    t.add({ connection: 'db', app_metadata: { authyID: 2 } });
    const lines = formatReportTable(t.result());
    expect(lines).toEqual([
      'Enrollment report (2025-06-02T10:00:00.000Z)',
      'connection  users  enrolled  not enrolled  locked  legacy format  few recovery codes',
      '----------  -----  --------  ------------  ------  -------------  ------------------',
      'db              1         1             0       0              1                   0',
      '----------  -----  --------  ------------  ------  -------------  ------------------',
      'TOTAL           1         1             0       0              1                   0',
    ]);
  });
});

describe('few recovery codes', () => {
  const hashes = hashRecoveryCodes(generateRecoveryCodes());
  const withCodes = (left: number, enrolled = true) => ({
    connection: 'db',
    app_metadata: {
      authy_2fa: { v: 1, ...(enrolled ? { authy_id: '1' } : {}), failures: 0, recovery: newRecovery(hashes.slice(0, left), 'x') },
    },
  });

  it('counts enrolled users with 3 codes or fewer left (none left included); users never given codes are not counted', () => {
    const t = new EnrollmentTally(NOW);
    for (const left of [10, 4, 3, 1, 0]) t.add(withCodes(left));
    t.add(withCodes(2, false));
    t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, authy_id: '1', failures: 0 } } });
    t.add({ connection: 'db', app_metadata: { authy_2fa: { v: 1, authy_id: '1', failures: 0, recovery: { v: 9, hashes: [] } } } });
    expect(t.result().total).toMatchObject({ users: 8, enrolled: 7, recovery_low: 3 });
  });
});
