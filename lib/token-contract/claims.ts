/**
 * The readers of single claims that both tokens use: a string that matches a pattern, a whole
 * number in a range, an Authy id; and the patterns of the user id and of a host. Each throws
 * ContractError naming the claim.
 */
import type { JwtClaims } from '../jwt-hs256';
import { normalizeAuthyId } from '../enrollment';
import { ContractError } from './common';

export const USER_ID = /^[^\s]{1,200}$/;
export const HOST = /^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$/i;

export function str(claims: JwtClaims, name: string, pattern: RegExp): string {
  const value = claims[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new ContractError(name, `claim ${name} is missing or malformed`);
  return value;
}

export function optionalStr(claims: JwtClaims, name: string, pattern: RegExp): string | null {
  return claims[name] === undefined ? null : str(claims, name, pattern);
}

export function int(claims: JwtClaims, name: string, min: number, max: number): number {
  const value = claims[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ContractError(name, `claim ${name} is missing or out of range`);
  }
  return value;
}

export function authyIdClaim(claims: JwtClaims, name: string): string | null {
  if (claims[name] === undefined) return null;
  const id = normalizeAuthyId(claims[name]);
  if (!id) throw new ContractError(name, `claim ${name} is malformed`);
  return id;
}
