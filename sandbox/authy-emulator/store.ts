/**
 * The emulator's state: Authy users (phone, per-user TOTP seed, codes sent and used) and
 * OneTouch approval requests. Kept in memory; when a data file is given, every change is
 * written to it (atomically, owner-only: it holds seeds) so enrollments survive a restart.
 */
import { readFileSync, renameSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Channel = 'sms' | 'call';
export type StoredApprovalStatus = 'pending' | 'approved' | 'denied';

/** A code "delivered" to the user's phone by SMS or voice, shown on the phone page. */
export interface DeliveredMessage {
  channel: Channel;
  code: string;
  /** ISO time of delivery. */
  at: string;
}

export interface UserRecord {
  id: number;
  email: string;
  countryCode: string;
  /** National number, digits only. */
  cellphone: string;
  /** Hex TOTP seed of this user's "Authy app". */
  seed: string;
  createdAt: string;
  /** ISO time of the latest users/new for this phone (absent: createdAt); the phone page shows each user's latest. */
  registeredAt?: string;
  /** Authy's "registered": the user has the app; here, has verified a code (or was marked so). */
  registered: boolean;
  disabled: boolean;
  /** Removed from the application; the same phone gets the same id back, as with Authy. */
  removed: boolean;
  /** The last code sent by SMS or voice, valid until `expiresAt` (ms) and usable once. */
  lastSent?: { code: string; channel: Channel; expiresAt: number };
  /** Codes verified successfully, refused as reused (60019) until `until` (ms). */
  usedCodes: { code: string; until: number }[];
  messages: DeliveredMessage[];
}

export interface ApprovalRecord {
  uuid: string;
  authyId: number;
  message: string;
  details: Record<string, string>;
  hiddenDetails: Record<string, string>;
  secondsToExpire: number;
  /** ms */
  createdAt: number;
  /** ms */
  updatedAt: number;
  status: StoredApprovalStatus;
}

export interface EmulatorState {
  version: 1;
  nextId: number;
  users: UserRecord[];
  approvals: ApprovalRecord[];
}

/** Messages kept per phone: enough for a demo, bounded so the file stays small. */
export const MAX_MESSAGES = 20;

function emptyState(): EmulatorState {
  return { version: 1, nextId: 1, users: [], approvals: [] };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStringMap = (v: unknown): v is Record<string, string> => isObject(v) && Object.values(v).every(isString);

function isUser(v: unknown): v is UserRecord {
  return (
    isObject(v) &&
    isNumber(v.id) &&
    isString(v.email) &&
    isString(v.countryCode) &&
    isString(v.cellphone) &&
    isString(v.seed) &&
    /^[0-9a-f]{40}$/.test(v.seed) &&
    isString(v.createdAt) &&
    (v.registeredAt === undefined || isString(v.registeredAt)) &&
    typeof v.registered === 'boolean' &&
    typeof v.disabled === 'boolean' &&
    typeof v.removed === 'boolean' &&
    Array.isArray(v.usedCodes) &&
    v.usedCodes.every((u) => isObject(u) && isString(u.code) && isNumber(u.until)) &&
    Array.isArray(v.messages) &&
    v.messages.every((m) => isObject(m) && (m.channel === 'sms' || m.channel === 'call') && isString(m.code) && isString(m.at)) &&
    (v.lastSent === undefined ||
      (isObject(v.lastSent) &&
        isString(v.lastSent.code) &&
        isNumber(v.lastSent.expiresAt) &&
        (v.lastSent.channel === 'sms' || v.lastSent.channel === 'call')))
  );
}

function isApproval(v: unknown): v is ApprovalRecord {
  return (
    isObject(v) &&
    isString(v.uuid) &&
    isNumber(v.authyId) &&
    isString(v.message) &&
    isStringMap(v.details) &&
    isStringMap(v.hiddenDetails) &&
    isNumber(v.secondsToExpire) &&
    isNumber(v.createdAt) &&
    isNumber(v.updatedAt) &&
    (v.status === 'pending' || v.status === 'approved' || v.status === 'denied')
  );
}

/** Checks a parsed data file; throws (naming the file, never its content) when it is not emulator state. */
export function parseState(value: unknown, source: string): EmulatorState {
  if (
    !isObject(value) ||
    value.version !== 1 ||
    !isNumber(value.nextId) ||
    !Array.isArray(value.users) ||
    !value.users.every(isUser) ||
    !Array.isArray(value.approvals) ||
    !value.approvals.every(isApproval)
  ) {
    throw new Error(`${source} is not an Authy emulator data file; move it away to start with an empty state`);
  }
  return value as unknown as EmulatorState;
}

export class EmulatorStore {
  private readonly state: EmulatorState;

  constructor(private readonly dataFile?: string) {
    this.state = dataFile && existsSync(dataFile) ? parseState(JSON.parse(readFileSync(dataFile, 'utf8')), dataFile) : emptyState();
  }

  /** Live users (removed ones excluded), in id order. */
  users(): UserRecord[] {
    return this.state.users.filter((u) => !u.removed);
  }

  /** A live user by id, or undefined. */
  user(id: number): UserRecord | undefined {
    return this.state.users.find((u) => u.id === id && !u.removed);
  }

  /** Any user with this phone, removed or not (Authy ids belong to the phone). */
  userByPhone(countryCode: string, cellphone: string): UserRecord | undefined {
    return this.state.users.find((u) => u.countryCode === countryCode && u.cellphone === cellphone);
  }

  /** Adds a user and returns it; the caller saves. */
  addUser(fields: Omit<UserRecord, 'id'>): UserRecord {
    const user: UserRecord = { id: this.state.nextId, ...fields };
    this.state.nextId += 1;
    this.state.users.push(user);
    return user;
  }

  approval(uuid: string): ApprovalRecord | undefined {
    return this.state.approvals.find((a) => a.uuid === uuid);
  }

  approvalsOf(authyId: number): ApprovalRecord[] {
    return this.state.approvals.filter((a) => a.authyId === authyId);
  }

  addApproval(approval: ApprovalRecord): void {
    this.state.approvals.push(approval);
  }

  /** Drops every approval request of a user (on removal). */
  dropApprovalsOf(authyId: number): void {
    this.state.approvals = this.state.approvals.filter((a) => a.authyId !== authyId);
  }

  /** Forgets every user and request (emulator control). */
  reset(): void {
    Object.assign(this.state, emptyState());
    this.save();
  }

  /** Writes the state to the data file, if any: temp file then rename, so a crash never leaves half a file. */
  save(): void {
    if (!this.dataFile) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const temp = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    renameSync(temp, this.dataFile);
  }
}
