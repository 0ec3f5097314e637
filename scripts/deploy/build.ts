/** Builds the Action with the project's own build script, so a deploy never ships a stale code.js. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRecord } from '../../lib/is-record';
import { DeployError } from './errors';

const run = promisify(execFile);

export async function buildAction(rootDir: string): Promise<void> {
  try {
    await run(process.execPath, [join(rootDir, 'scripts', 'build-action.mjs')], { cwd: rootDir });
  } catch (err) {
    const detail = isRecord(err) && 'stderr' in err ? String(err.stderr).trim() : String(err);
    throw new DeployError('BUILD_FAILED', `The Action did not build (npm run build):\n${detail}`);
  }
}
