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

/** How one tool's checkpoint reads: its name (for messages), its header and its entries; null refuses a value. */
export interface CheckpointFormat<H, E> {
  name: string;
  header(value: Record<string, unknown>): H | null;
  entry(value: Record<string, unknown>): E | null;
}

function parseLine<T>(line: string, read: (value: Record<string, unknown>) => T | null): T | null {
  try {
    const value: unknown = JSON.parse(line);
    return isRecord(value) ? read(value) : null;
  } catch {
    return null;
  }
}

/** An append-only NDJSON checkpoint: a header line, then one line per user done (see above). */
export class NdjsonCheckpoint<H, E extends { user_id: string }> {
  constructor(
    readonly path: string,
    private readonly format: CheckpointFormat<H, E>,
  ) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  read(): { header: H; done: Map<string, E> } | null {
    if (!this.exists()) return null;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const header = parseLine(lines[0] ?? '', (value) => this.format.header(value));
    if (header === null) {
      throw new AdminError('BAD_CHECKPOINT', `${this.path} is not a ${this.format.name} checkpoint; move it away to start a new run`);
    }
    const done = new Map<string, E>();
    const body = lines.slice(1);
    body.forEach((line, index) => {
      if (line.trim() === '') return;
      const entry = parseLine(line, (value) => this.format.entry(value));
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
  start(header: H): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(header)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  append(entry: E): void {
    const fd = openSync(this.path, 'a', 0o600);
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

const MIGRATE_USERS: CheckpointFormat<CheckpointHeader, CheckpointEntry> = {
  name: 'migrate-users',
  header: (value) =>
    value.kind === 'migrate-users-checkpoint' &&
    value.version === 1 &&
    typeof value.tenant === 'string' &&
    typeof value.migrated_at === 'string' &&
    Array.isArray(value.candidates)
      ? (value as unknown as CheckpointHeader)
      : null,
  entry: (value) =>
    typeof value.user_id === 'string' && (value.outcome === 'migrated' || value.outcome === 'unchanged' || value.outcome === 'gone')
      ? (value as unknown as CheckpointEntry)
      : null,
};

/** migrate-users' checkpoint. */
export class CheckpointFile extends NdjsonCheckpoint<CheckpointHeader, CheckpointEntry> {
  constructor(path: string) {
    super(path, MIGRATE_USERS);
  }
}

/** A report or other JSON file with user ids in it: readable by the operator only. */
export function writePrivateJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}
