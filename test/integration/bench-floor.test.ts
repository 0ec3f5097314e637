/**
 * The bench's stack floor (bench/floor-app.ts) is only a fair floor if it answers like a
 * code-page visit: a 303 with the visit cookie, then the real code page with the usual headers.
 */
import { buildFloorApp, FLOOR_ENTRY, FLOOR_PAGE } from '../../bench/floor-app';
import { loadConfig } from '../../forms-server/config';
import { FLOW_COOKIE } from '../../forms-server/plugins/visit-cookie';
import { testEnv } from '../helpers/forms';

test('entry: 303 to the page with the visit cookie; page: the code page with the security headers', async () => {
  const app = await buildFloorApp(loadConfig({ ...testEnv(), LOG_LEVEL: 'silent' }));
  try {
    const entry = await app.inject({ method: 'GET', url: FLOOR_ENTRY });
    expect(entry.statusCode).toBe(303);
    expect(entry.headers.location).toBe(FLOOR_PAGE);
    expect(String(entry.headers['set-cookie'])).toMatch(new RegExp(`^${FLOW_COOKIE}=`));
    const page = await app.inject({ method: 'GET', url: FLOOR_PAGE });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/2fa/verify"');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
  } finally {
    await app.close();
  }
});
