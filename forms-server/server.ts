/**
 * Starts the forms server: loads `.env`, validates the config (a bad setting stops the start
 * with a message naming it), listens, and shuts down gracefully on SIGINT/SIGTERM.
 */
import 'dotenv/config';
import { buildFormsServer } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`forms-server: configuration error: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const app = await buildFormsServer(config);
  const close = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  console.error(`forms-server: failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
