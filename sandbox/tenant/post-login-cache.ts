/** `api.cache`: Auth0's per-trigger ephemeral cache (values are strings; default lifetime 15 minutes). */

/** A cache record as Auth0 returns it; `expires_at` is epoch milliseconds (Auth0's field name). */
export interface ActionCacheRecord {
  value: string;
  expires_at: number;
}

export interface ActionCache {
  get(key: string): ActionCacheRecord | undefined;
  set(key: string, value: string, options?: { ttl?: number; expires_at?: number }): unknown;
  delete(key: string): unknown;
}

const DEFAULT_TTL_MS = 15 * 60_000;

export function createActionCache(now: () => number = Date.now): ActionCache {
  const records = new Map<string, ActionCacheRecord>();
  return {
    get(key) {
      const record = records.get(key);
      if (!record) return undefined;
      if (record.expires_at <= now()) {
        records.delete(key);
        return undefined;
      }
      return { ...record };
    },
    set(key, value, options = {}) {
      if (typeof key !== 'string' || typeof value !== 'string') return { type: 'error', code: 'FailedToSetCacheRecord' };
      const candidates = [now() + DEFAULT_TTL_MS];
      if (typeof options.ttl === 'number') candidates.push(now() + options.ttl);
      if (typeof options.expires_at === 'number') candidates.push(options.expires_at);
      const expires_at = Math.min(...candidates);
      if (expires_at <= now()) return { type: 'error', code: 'ItemAlreadyExpired' };
      const record = { value, expires_at };
      records.set(key, record);
      return { type: 'success', record: { ...record } };
    },
    delete(key) {
      records.delete(key);
      return { type: 'success' };
    },
  };
}
