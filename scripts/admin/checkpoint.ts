/**
 * The migration's checkpoint: an NDJSON file whose first line is the run (tenant, the time
 * written as enrolled_at, the users to migrate) and each further line one user done. A line
 * is appended and flushed after each user, so an interrupted run resumes after the last user
 * it finished and never writes a user twice. A torn last line (the process died mid-write) is
 * ignored; that user is read again, and the fresh read shows it as already migrated.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AdminError } from './errors';
import { isRecord } from '../../lib/is-record';
import type { ListedUser } from './plan-migration';

export interface CheckpointHeader {
  kind: 'migrate-users-checkpoint';
  version: 1;
  tenant: string;
  started_at: string;
  /** The enrolled_at written for every migrated user of this run, kept across resumes. */
  migrated_at: string;
  scanned: number;
  current: number;
  none: number;
  candidates: { user_id: string; connection: string | null }[];
  reenroll: ListedUser[];
  invalid: ListedUser[];
}

export type Outcome = 'migrated' | 'unchanged' | 'gone';

export interface CheckpointEntry {
  user_id: string;
  outcome: Outcome;
  previous?: Record<string, unknown>;
  patch?: Record<string, unknown>;
}

export interface CheckpointState {
  header: CheckpointHeader;
  done: Map<string, CheckpointEntry>;
}

function parseHeader(line: string, path: string): CheckpointHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  if (
    !isRecord(value) ||
    value.kind !== 'migrate-users-checkpoint' ||
    value.version !== 1 ||
    typeof value.tenant !== 'string' ||
    typeof value.migrated_at !== 'string' ||
    !Array.isArray(value.candidates)
  ) {
    throw new AdminError('BAD_CHECKPOINT', `${path} is not a migrate-users checkpoint; move it away to start a new run`);
  }
  return value as unknown as CheckpointHeader;
}

function parseEntry(line: string): CheckpointEntry | null {
  try {
    const value: unknown = JSON.parse(line);
    if (!isRecord(value) || typeof value.user_id !== 'string') return null;
    if (value.outcome !== 'migrated' && value.outcome !== 'unchanged' && value.outcome !== 'gone') return null;
    return value as unknown as CheckpointEntry;
  } catch {
    return null;
  }
}

export class CheckpointFile {
  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  read(): CheckpointState | null {
    if (!this.exists()) return null;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const header = parseHeader(lines[0] ?? '', this.path);
    const done = new Map<string, CheckpointEntry>();
    const body = lines.slice(1);
    body.forEach((line, index) => {
      if (line.trim() === '') return;
      const entry = parseEntry(line);
      const isLast = body.slice(index + 1).every((rest) => rest.trim() === '');
      if (!entry) {
        if (isLast) return; // torn write: that user is simply done again
        throw new AdminError('BAD_CHECKPOINT', `${this.path} line ${index + 2} is damaged; move the file away to start a new run`);
      }
      done.set(entry.user_id, entry);
    });
    return { header, done };
  }

  /** Writes the header atomically (temp file + rename). */
  start(header: CheckpointHeader): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(header)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  append(entry: CheckpointEntry): void {
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
