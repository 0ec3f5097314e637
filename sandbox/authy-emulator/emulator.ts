/**
 * What the emulated Authy does, apart from HTTP: register users, check codes (TOTP of the
 * user's "app" or the last code sent), send codes, report status, and run OneTouch approval
 * requests. Routes parse requests and call these; errors are the named Authy errors.
 */
import { randomInt, randomUUID } from 'node:crypto';
import * as errors from './errors';
import { currentPhones } from './current-phones';
import { maskCellphone, maskStatusPhone } from './phone-number';
import { MAX_MESSAGES, type ApprovalRecord, type Channel, type EmulatorStore, type UserRecord } from './store';
import type { PhoneView } from './phone-view';
import { newSeed, secondsLeft, totp, totpMatches } from './totp';

export type { PhoneView } from './phone-view';

export interface EmulatorSettings {
  /** Digits of app and SMS/voice codes (Authy apps show 7). */
  digits: number;
  periodSeconds: number;
  /** Clock in milliseconds since the epoch; tests pass their own. */
  now: () => number;
  /** How long an SMS or voice code stays valid (Authy: 10 minutes). */
  sentCodeTtlMs: number;
  /** National numbers starting with this are landlines: users/new refuses them with 60082. */
  landlinePrefix: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** Authy's ISO form: seconds precision, "Z". */
export function authyTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class AuthyEmulator {
  constructor(
    private readonly store: EmulatorStore,
    readonly settings: EmulatorSettings,
  ) {}

  /** users/new: the same phone always gets the same id (also after a removal, as with Authy). */
  registerUser(email: string, countryCode: string, cellphone: string): UserRecord {
    if (cellphone.startsWith(this.settings.landlinePrefix)) throw errors.landline();
    const known = this.store.userByPhone(countryCode, cellphone);
    if (known) {
      Object.assign(known, { email, removed: false, registeredAt: new Date(this.settings.now()).toISOString() });
      this.store.save();
      return known;
    }
    const user = this.store.addUser({
      email,
      countryCode,
      cellphone,
      seed: newSeed().toString('hex'),
      createdAt: new Date(this.settings.now()).toISOString(),
      registered: false,
      disabled: false,
      removed: false,
      usedCodes: [],
      messages: [],
    });
    this.store.save();
    return user;
  }

  /** A live user, or 60026. */
  user(id: number): UserRecord {
    const user = this.store.user(id);
    if (!user) throw errors.userNotFound();
    return user;
  }

  /** The code the user's app shows now. */
  appCode(user: UserRecord): string {
    return totp(Buffer.from(user.seed, 'hex'), this.settings.now(), this.settings.digits, this.settings.periodSeconds);
  }

  /**
   * verify/{token}/{id}. Without `force`, a user who never registered is answered "valid" for
   * any well-formed token: Authy's documented quirk, which is why clients must send force=true.
   * Returns how the code was proved, or null for that unchecked answer.
   */
  verify(id: number, token: string, force: boolean): { via: 'authy' | Channel } | null {
    const user = this.user(id);
    if (!/^\d{6,8}$/.test(token)) throw errors.tokenInvalid();
    if (!force && !user.registered) return null;
    const now = this.settings.now();
    user.usedCodes = user.usedCodes.filter((u) => u.until > now);
    if (user.usedCodes.some((u) => u.code === token)) throw errors.tokenReused();

    const { digits, periodSeconds } = this.settings;
    const sent = user.lastSent && user.lastSent.expiresAt > now && user.lastSent.code === token ? user.lastSent : undefined;
    const fromApp = totpMatches(Buffer.from(user.seed, 'hex'), token, now, digits, periodSeconds);
    if (!sent && !fromApp) throw errors.tokenInvalid();

    // A code proves possession once: keep it refused for as long as it could still match.
    const until = sent ? Math.max(sent.expiresAt, now + 3 * periodSeconds * 1000) : now + 3 * periodSeconds * 1000;
    user.usedCodes.push({ code: token, until });
    if (sent) delete user.lastSent;
    user.registered = true;
    this.store.save();
    return { via: sent ? sent.channel : 'authy' };
  }

  /**
   * sms/{id} and call/{id}. Without `force`, users who have the app are not sent anything
   * (`ignored: true`); otherwise a fresh code is "delivered" to the phone page.
   */
  sendCode(id: number, channel: Channel, force: boolean): { ignored: boolean; cellphone: string } {
    const user = this.user(id);
    const cellphone = maskCellphone(user.countryCode, user.cellphone);
    if (!force && user.registered) return { ignored: true, cellphone };
    const now = this.settings.now();
    const code = randomInt(0, 10 ** this.settings.digits)
      .toString()
      .padStart(this.settings.digits, '0');
    user.lastSent = { code, channel, expiresAt: now + this.settings.sentCodeTtlMs };
    user.messages = [...user.messages, { channel, code, at: new Date(now).toISOString() }].slice(-MAX_MESSAGES);
    this.store.save();
    return { ignored: false, cellphone };
  }

  /** users/{id}/status, in Authy's shape. */
  status(id: number): Record<string, unknown> {
    const user = this.user(id);
    return {
      authy_id: user.id,
      confirmed: true,
      registered: user.registered,
      country_code: Number(user.countryCode),
      phone_number: maskStatusPhone(user.cellphone),
      devices: user.registered ? ['iphone'] : [],
      has_hard_token: false,
      account_disabled: user.disabled,
      detailed_devices: [],
    };
  }

  /** users/{id}/remove: the user no longer exists for this application. */
  remove(id: number): void {
    const user = this.user(id);
    user.removed = true;
    user.registered = false;
    user.disabled = false;
    user.messages = [];
    user.usedCodes = [];
    delete user.lastSent;
    this.store.dropApprovalsOf(user.id);
    this.store.save();
  }

  /** Emulator control: mark a user's Authy account disabled (or not), or as having the app. */
  setFlags(id: number, flags: { disabled?: boolean; registered?: boolean }): void {
    const user = this.user(id);
    if (flags.disabled !== undefined) user.disabled = flags.disabled;
    if (flags.registered !== undefined) user.registered = flags.registered;
    this.store.save();
  }

  createApproval(
    id: number,
    message: string,
    secondsToExpire: number,
    details: Record<string, string>,
    hiddenDetails: Record<string, string>,
  ): ApprovalRecord {
    const user = this.user(id);
    const now = this.settings.now();
    const approval: ApprovalRecord = {
      uuid: randomUUID(),
      authyId: user.id,
      message,
      details,
      hiddenDetails,
      secondsToExpire,
      createdAt: now,
      updatedAt: now,
      status: 'pending',
    };
    this.store.addApproval(approval);
    this.store.save();
    return approval;
  }

  approvalStatus(approval: ApprovalRecord): ApprovalStatus {
    if (approval.status === 'pending' && this.settings.now() >= approval.createdAt + approval.secondsToExpire * 1000) return 'expired';
    return approval.status;
  }

  /** approval_requests/{uuid}, in Authy's shape; 60049 when unknown. */
  approval(uuid: string): Record<string, unknown> {
    const approval = this.store.approval(uuid);
    if (!approval) throw errors.approvalRequestNotFound();
    const status = this.approvalStatus(approval);
    const user = this.store.user(approval.authyId);
    return {
      _app_name: 'Authy emulator',
      _authy_id: approval.authyId,
      _user_email: user?.email ?? null,
      created_at: authyTime(approval.createdAt),
      updated_at: authyTime(approval.updatedAt),
      processed_at:
        status === 'pending'
          ? null
          : authyTime(status === 'expired' ? approval.createdAt + approval.secondsToExpire * 1000 : approval.updatedAt),
      notified: false,
      seconds_to_expire: approval.secondsToExpire,
      status,
      uuid: approval.uuid,
    };
  }

  /** The phone's Approve / Deny: only a pending, unexpired request changes; returns whether it did. */
  resolveApproval(uuid: string, decision: 'approved' | 'denied'): boolean {
    const approval = this.store.approval(uuid);
    if (!approval || this.approvalStatus(approval) !== 'pending') return false;
    approval.status = decision;
    approval.updatedAt = this.settings.now();
    this.store.save();
    return true;
  }

  /** What each phone shows: the data behind /phone and /phone.json. */
  phones(): PhoneView[] {
    const now = this.settings.now();
    return currentPhones(this.store.users()).map((user) => ({
      authy_id: user.id,
      email: user.email,
      country_code: user.countryCode,
      phone: user.cellphone,
      masked_phone: maskCellphone(user.countryCode, user.cellphone),
      app_code: this.appCode(user),
      seconds_left: secondsLeft(now, this.settings.periodSeconds),
      registered: user.registered,
      account_disabled: user.disabled,
      messages: [...user.messages].reverse(),
      pending_approvals: this.store
        .approvalsOf(user.id)
        .filter((a) => this.approvalStatus(a) === 'pending')
        .map((a) => ({
          uuid: a.uuid,
          message: a.message,
          details: a.details,
          created_at: new Date(a.createdAt).toISOString(),
          expires_at: new Date(a.createdAt + a.secondsToExpire * 1000).toISOString(),
        })),
    }));
  }
}
