/**
 * Argument checks shared by both stores. A failed check is a programming error in the caller
 * (a RangeError or TypeError), never a user's bad input: the routes build these values.
 */
import type { AttemptResult, VisitLimits, VisitRecord } from './types';

/** Epoch ms are whole numbers (Date.now()); the Redis store passes them through Lua as integers. */
export function checkTime(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be epoch milliseconds (a non-negative integer)`);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function checkKey(value: unknown, name: string): void {
  if (!isNonEmptyString(value)) throw new TypeError(`${name} must be a non-empty string`);
}

export function checkVisit(visit: VisitRecord): void {
  const value: unknown = visit;
  if (typeof value !== 'object' || value === null) throw new TypeError('visit must be an object');
  checkKey(visit.id, 'visit.id');
  checkKey(visit.userKey, 'visit.userKey');
  checkTime(visit.expiresAtMs, 'visit.expiresAtMs');
  if (!Number.isSafeInteger(visit.version) || visit.version < 0) throw new RangeError('visit.version must be an integer >= 0');
}

export function checkVisitLimits(limits: VisitLimits): void {
  if (!Number.isSafeInteger(limits.maxOpenPerUser) || limits.maxOpenPerUser < 1)
    throw new RangeError('maxOpenPerUser must be an integer >= 1');
  if (!Number.isSafeInteger(limits.capacity) || limits.capacity < 1) throw new RangeError('capacity must be an integer >= 1');
}

/** The record as stored: JSON, so that neither the caller nor a later reader shares objects with the store. */
export function serializeVisit(visit: VisitRecord, version: number): string {
  return JSON.stringify({ ...visit, version });
}

export function checkResult(result: AttemptResult): void {
  if (!(['wrong', 'right', 'void'] as unknown[]).includes(result)) throw new TypeError("result must be 'wrong', 'right' or 'void'");
}
