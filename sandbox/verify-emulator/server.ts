/**
 * Starts the Verify emulator on its own:
 *   VERIFY_ACCOUNT_SID=AC... VERIFY_AUTH_TOKEN=... npx tsx sandbox/verify-emulator/server.ts
 * Listens on 127.0.0.1 only (VERIFY_EMULATOR_PORT, default 3004). VERIFY_SERVICE_SID picks the
 * Service SID (default DEFAULT_SERVICE_SID); VERIFY_EMULATOR_LOG=true logs requests (paths only).
 */
import { DEFAULT_SERVICE_SID, buildVerifyEmulator } from './app';

const DEFAULT_PORT = 3004;

async function main(): Promise<void> {
  const accountSid = process.env.VERIFY_ACCOUNT_SID;
  const authToken = process.env.VERIFY_AUTH_TOKEN;
  if (!accountSid || !authToken) {
    console.error(
      'VERIFY_ACCOUNT_SID (AC + 32 hex digits) and VERIFY_AUTH_TOKEN must be set: choose any, and give the same to the client.',
    );
    process.exit(1);
  }
  const port = Number(process.env.VERIFY_EMULATOR_PORT ?? String(DEFAULT_PORT));
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error('VERIFY_EMULATOR_PORT must be a port number.');
    process.exit(1);
  }
  const serviceSid = process.env.VERIFY_SERVICE_SID || DEFAULT_SERVICE_SID;
  const app = await buildVerifyEmulator({ accountSid, authToken, serviceSid, logger: process.env.VERIFY_EMULATOR_LOG === 'true' });
  const address = await app.listen({ host: '127.0.0.1', port });
  console.log(`Verify emulator: ${address}/v2/Services/${serviceSid} (phone page: ${address}/phone)`);

  const stop = () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Verify emulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
