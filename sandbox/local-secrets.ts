/**
 * The sandbox's local secrets, generated once into <data dir>/secrets.json (mode 0600): the
 * Action's and forms server's SHARED_SECRET, the Authy API key, the demo app's client secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSecrets {
  sharedSecret: string;
  authyApiKey: string;
  clientSecret: string;
}

function isLocalSecrets(raw: Partial<LocalSecrets>): raw is LocalSecrets {
  return (
    typeof raw.sharedSecret === 'string' &&
    raw.sharedSecret.length >= 43 &&
    typeof raw.authyApiKey === 'string' &&
    typeof raw.clientSecret === 'string'
  );
}

/** Creates the local secrets on first start (mode 0600) and reads them afterwards. */
export function loadOrCreateSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>;
    if (isLocalSecrets(raw)) return { sharedSecret: raw.sharedSecret, authyApiKey: raw.authyApiKey, clientSecret: raw.clientSecret };
    throw new Error(`${file} is damaged: delete it to generate new local secrets`);
  }
  const secrets: LocalSecrets = {
    // 48 random bytes: well over the 32-byte minimum of SHARED_SECRET.
    sharedSecret: randomBytes(48).toString('base64url'),
    authyApiKey: randomBytes(24).toString('base64url'),
    clientSecret: randomBytes(32).toString('base64url'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
