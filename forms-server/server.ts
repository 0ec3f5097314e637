/**
 * Starts the forms server: loads `.env` (the process environment wins over the file), validates
 * the config (a bad setting stops the start with a message naming it), opens the store (Redis
 * when REDIS_URL is set: unreachable at start stops the server with a message naming
 * REDIS_URL), listens, and shuts down gracefully on SIGINT/SIGTERM.
 */
import 'dotenv/config';
import { buildFormsServer } from './app';
import { ConfigError, loadConfig, type FormsServerConfig } from './config';
import { createStore } from './store';

function configOrExit(): FormsServerConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`forms-server: configuration error: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  let storeDown = false;
  const store = await createStore({
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    keyPrefix: config.redisKeyPrefix,
    capacity: config.visitCapacity,
    // Logged once per outage, without the error's text (it could name the host's credentials).
    onError: () => {
      if (!storeDown) console.error('forms-server: lost the connection to Redis (REDIS_URL); pages answer 503 until it is back');
      storeDown = true;
    },
  });
  const app = await buildFormsServer(config, { store });
  const close = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close('SIGINT'));
  process.once('SIGTERM', () => void close('SIGTERM'));
  await app.listen({ host: config.host, port: config.port });
  // GET /metrics on a listener of its own (METRICS_PORT), for Prometheus only; closed with the app.
  if (app.metricsListener && config.metricsPort !== null) {
    await app.metricsListener.listen({ host: config.metricsHost, port: config.metricsPort });
  }
}

main().catch((error: unknown) => {
  console.error(`forms-server: failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
