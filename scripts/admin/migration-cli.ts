/**
 * What both migration commands (`migrate-users`, `migrate-to-verify`) read from their command
 * line the same way: the shared options, `--sample`, and where the run writes its report and its
 * checkpoint (`reports/` under the working directory unless given).
 */
import { resolve } from 'node:path';
import { AdminError } from './errors';

/** The options every migration run takes; dry run unless --apply. */
export const MIGRATION_OPTIONS = {
  apply: { type: 'boolean', default: false },
  report: { type: 'string' },
  checkpoint: { type: 'string' },
  sample: { type: 'string', default: '5' },
  json: { type: 'boolean', default: false },
  env: { type: 'string' },
} as const;

/** --sample: how many users of each kind the report lists by id (0 to 1000). */
export function sampleOf(raw: string): number {
  const sample = Number(raw);
  if (!Number.isInteger(sample) || sample < 0 || sample > 1000)
    throw new AdminError('BAD_USAGE', '--sample takes a whole number from 0 to 1000');
  return sample;
}

/** The report (one per run, stamped) and checkpoint (one per command) of `name`, unless --report / --checkpoint name them. */
export function runFiles(
  cwd: string,
  name: string,
  run: { apply: boolean; nowMs: number; report?: string | boolean; checkpoint?: string | boolean },
): { reportPath: string; checkpointPath: string } {
  const stamp = new Date(run.nowMs).toISOString().replace(/[:.]/g, '-');
  const report = typeof run.report === 'string' ? run.report : `reports/${name}-${run.apply ? 'apply' : 'dry-run'}-${stamp}.json`;
  const checkpoint = typeof run.checkpoint === 'string' ? run.checkpoint : `reports/${name}.checkpoint.ndjson`;
  return { reportPath: resolve(cwd, report), checkpointPath: resolve(cwd, checkpoint) };
}
