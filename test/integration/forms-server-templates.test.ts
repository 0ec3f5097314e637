/**
 * Templates are read and compiled once per process, in every mode (not only with
 * NODE_ENV=production): @fastify/view turns eta's cache off unless `production` is set.
 */
import fs from 'node:fs';
import { AUTHY_ID, Visit, buildTestServer, closeTestServers, headingOf, mintOutbound } from '../helpers/forms';

afterEach(async () => {
  jest.restoreAllMocks();
  await closeTestServers();
});

test('each template file is read at most once, however many pages are rendered', async () => {
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'development';
  try {
    const server = await buildTestServer();
    const reads = jest.spyOn(fs, 'readFileSync');
    for (let i = 0; i < 5; i += 1) {
      const visit = new Visit(server.app);
      expect(headingOf((await visit.start(mintOutbound({ authyId: AUTHY_ID }))).body)).toBe('Enter your code');
      expect(headingOf((await visit.start(mintOutbound({ authyId: null }))).body)).toBe('Protect your account');
    }
    const templateReads = reads.mock.calls.map(([path]) => String(path)).filter((path) => path.endsWith('.eta'));
    expect(templateReads.length).toBeGreaterThan(0);
    expect(templateReads.length).toBe(new Set(templateReads).size);
  } finally {
    process.env.NODE_ENV = previous;
  }
});
