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
    expect(r.by_connection.db).toEqual({ users: 4, enrolled: 4, not_enrolled: 0, locked: 1, legacy_format: 1 });
    expect(r.by_connection.social).toEqual({ users: 1, enrolled: 0, not_enrolled: 1, locked: 0, legacy_format: 0 });
    expect(r.by_connection[UNKNOWN_CONNECTION]).toEqual({ users: 1, enrolled: 1, not_enrolled: 0, locked: 0, legacy_format: 1 });
    expect(r.total).toEqual({ users: 6, enrolled: 5, not_enrolled: 1, locked: 1, legacy_format: 2 });
    expect(Object.keys(r.by_connection)).toEqual([UNKNOWN_CONNECTION, 'db', 'social']);
  });

  it('formats an aligned table with a total row', () => {
    const t = new EnrollmentTally(NOW);
    t.add({ connection: 'db', app_metadata: { authyID: 2 } });
    const lines = formatReportTable(t.result());
    expect(lines).toEqual([
      'Enrollment report (2025-06-02T10:00:00.000Z)',
      'connection  users  enrolled  not enrolled  locked  legacy format',
      '----------  -----  --------  ------------  ------  -------------',
      'db              1         1             0       0              1',
      '----------  -----  --------  ------------  ------  -------------',
      'TOTAL           1         1             0       0              1',
    ]);
  });
});
