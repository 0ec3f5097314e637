/**
 * The memory store's visits: the records (as JSON text), a min-heap by expiry, and each user's
 * open visits. Expired visits are popped from the top of the heap, never found by a scan.
 */
import { ExpiryHeap } from './expiry-heap';

export interface StoredVisit {
  json: string;
  userKey: string;
  expiresAtMs: number;
  version: number;
}

export class VisitTable {
  private readonly visits = new Map<string, StoredVisit>();
  private readonly expiry = new ExpiryHeap<string>();
  /** Open visits by user key. */
  private readonly byUser = new Map<string, Set<string>>();

  get size(): number {
    return this.visits.size;
  }

  get(id: string): StoredVisit | undefined {
    return this.visits.get(id);
  }

  put(id: string, stored: StoredVisit): void {
    const before = this.visits.get(id);
    if (before && before.userKey !== stored.userKey) this.delete(id);
    this.visits.set(id, stored);
    this.expiry.set(id, stored.expiresAtMs);
    let open = this.byUser.get(stored.userKey);
    if (!open) {
      open = new Set();
      this.byUser.set(stored.userKey, open);
    }
    open.add(id);
  }

  delete(id: string): void {
    this.expiry.delete(id);
    this.forget(id);
  }

  /** Drops the visits that expired by `nowMs`, earliest first. */
  prune(nowMs: number): void {
    this.expiry.popExpired(nowMs, (id) => {
      this.forget(id);
    });
  }

  /** The user's `count` open visits that expire first (ties: the smaller id, as a Redis sorted set orders them). */
  oldestOf(userKey: string, count: number): string[] {
    const open = this.byUser.get(userKey);
    if (!open || count <= 0) return [];
    const entries = [...open].map((id) => ({ id, at: this.visits.get(id)?.expiresAtMs ?? 0 }));
    entries.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return entries.slice(0, count).map((entry) => entry.id);
  }

  openCount(userKey: string): number {
    return this.byUser.get(userKey)?.size ?? 0;
  }

  clear(): void {
    this.visits.clear();
    this.expiry.clear();
    this.byUser.clear();
  }

  /** Removes the visit and its place in its user's list (the heap entry is already gone). */
  private forget(id: string): void {
    const stored = this.visits.get(id);
    if (!stored) return;
    this.visits.delete(id);
    const open = this.byUser.get(stored.userKey);
    open?.delete(id);
    if (open?.size === 0) this.byUser.delete(stored.userKey);
  }
}
