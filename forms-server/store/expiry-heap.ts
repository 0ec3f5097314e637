/**
 * A binary min-heap of keys ordered by an expiry time, with a position index so that a key's
 * expiry can be changed or the key removed in O(log n). The memory store keeps one per kind of
 * record and pops what expired from the top, instead of scanning every record.
 */
export class ExpiryHeap<K> {
  private readonly keys: K[] = [];
  private readonly times: number[] = [];
  private readonly index = new Map<K, number>();

  get size(): number {
    return this.keys.length;
  }

  has(key: K): boolean {
    return this.index.has(key);
  }

  /** Adds the key, or moves it to its new expiry. */
  set(key: K, expiresAtMs: number): void {
    const at = this.index.get(key);
    if (at === undefined) {
      this.keys.push(key);
      this.times.push(expiresAtMs);
      this.index.set(key, this.keys.length - 1);
      this.up(this.keys.length - 1);
      return;
    }
    const before = this.times[at];
    this.times[at] = expiresAtMs;
    if (expiresAtMs < before) this.up(at);
    else this.down(at);
  }

  delete(key: K): boolean {
    const at = this.index.get(key);
    if (at === undefined) return false;
    const last = this.keys.length - 1;
    if (at !== last) this.swap(at, last);
    this.keys.pop();
    this.times.pop();
    this.index.delete(key);
    if (at < this.keys.length) {
      this.up(at);
      this.down(at);
    }
    return true;
  }

  /** The earliest expiry, or undefined when empty. */
  peekTime(): number | undefined {
    return this.times[0];
  }

  /** Removes every key that expired by `nowMs` (expiry <= nowMs), earliest first, and hands each to `onExpired`. */
  popExpired(nowMs: number, onExpired: (key: K) => void): void {
    while (this.keys.length > 0 && this.times[0] <= nowMs) {
      const key = this.keys[0];
      this.delete(key);
      onExpired(key);
    }
  }

  clear(): void {
    this.keys.length = 0;
    this.times.length = 0;
    this.index.clear();
  }

  private up(at: number): void {
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.times[parent] <= this.times[at]) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private down(at: number): void {
    const size = this.keys.length;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let least = at;
      if (left < size && this.times[left] < this.times[least]) least = left;
      if (right < size && this.times[right] < this.times[least]) least = right;
      if (least === at) return;
      this.swap(at, least);
      at = least;
    }
  }

  private swap(a: number, b: number): void {
    const keyA = this.keys[a];
    const keyB = this.keys[b];
    this.keys[a] = keyB;
    this.keys[b] = keyA;
    const time = this.times[a];
    this.times[a] = this.times[b];
    this.times[b] = time;
    this.index.set(keyB, a);
    this.index.set(keyA, b);
  }
}
