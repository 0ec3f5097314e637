/**
 * Starts the Authy emulator on its own: `AUTHY_API_KEY=... tsx sandbox/authy-emulator/server.ts`.
 * Listens on 127.0.0.1 only (AUTHY_EMULATOR_PORT, default 3003); AUTHY_EMULATOR_DATA_FILE keeps
 * the state across restarts. The sandbox's `npm start` builds the app itself instead.
 */
import { buildAuthyEmulator } from './app';

const DEFAULT_PORT = 3003;

async function main(): Promise<void> {
  const apiKey = process.env.AUTHY_API_KEY;
  if (!apiKey) {
    console.error('AUTHY_API_KEY is not set: choose any key and give the same one to the forms server.');
    process.exit(1);
  }
  const portText = process.env.AUTHY_EMULATOR_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error('AUTHY_EMULATOR_PORT must be a port number.');
    process.exit(1);
  }
  const dataFile = process.env.AUTHY_EMULATOR_DATA_FILE || undefined;
  const app = await buildAuthyEmulator({ apiKey, ...(dataFile ? { dataFile } : {}), logger: process.env.AUTHY_EMULATOR_LOG === 'true' });
  const address = await app.listen({ host: '127.0.0.1', port });
  console.log(`Authy emulator: ${address} (phone page: ${address}/phone)`);

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
  console.error(`Authy emulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
