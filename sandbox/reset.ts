/**
 * `npm run sandbox:reset`: forget the sandbox's saved logins (sandbox/.data, or SANDBOX_DATA_DIR),
 * so every demo user is new again at the next `npm start`. Stop the sandbox first.
 */
import { join, resolve } from 'node:path';
import { resetSandboxData } from './sandbox-data';

const dataDir = resolve(process.env.SANDBOX_DATA_DIR || join(__dirname, '.data'));
const removed = resetSandboxData(dataDir);
console.log(
  removed.length > 0
    ? `Sandbox state removed (${removed.length} file${removed.length === 1 ? '' : 's'} in ${dataDir}): every demo user is new again.`
    : `Nothing to remove in ${dataDir}: the sandbox already starts clean.`,
);
