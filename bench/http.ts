/**
 * Load over real sockets with autocannon: one run at a fixed number of connections, with the
 * latency of every response kept (autocannon's own histogram has millisecond steps), the
 * status codes, errors, and responses per second of the run.
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  connections: number;
  durationSec: number;
  requests: autocannon.Request[];
  /** Request timeout, seconds (autocannon's default: 10). */
  timeoutSec?: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadStats {
  /** Wall time of the run, seconds. */
  durationSec: number;
  /** Responses received. */
  responses: number;
  reqPerSec: number;
  /** Milliseconds. */
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  /** 2xx and 3xx. */
  ok: number;
  /** 1xx, 4xx and 5xx. */
  bad: number;
  errors: number;
  timeouts: number;
  resets: number;
  /** Responses in each second of the run. */
  perSecond: number[];
  /** Of those, the answers that were not 2xx/3xx. */
  perSecondBad: number[];
}

class Samples {
  private data = new Float64Array(1 << 16);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  summary(): LatencySummary {
    const sorted = this.data.subarray(0, this.length).slice().sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
    let sum = 0;
    for (const value of sorted) sum += value;
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1), mean: sorted.length ? sum / sorted.length : 0 };
  }
}

export function runLoad(spec: LoadSpec): Promise<LoadStats> {
  const latencies = new Samples();
  const perSecond: number[] = [];
  const perSecondBad: number[] = [];
  const statusCodes: Record<string, number> = {};
  let startedAt = 0;

  return new Promise<LoadStats>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationSec,
        requests: spec.requests,
        timeout: spec.timeoutSec ?? 10,
        // Every response is a measured response: a 303 is as much an answer as a 200.
        excludeErrorStats: false,
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const durationSec = (performance.now() - startedAt) / 1000;
        let ok = 0;
        let bad = 0;
        for (const [code, count] of Object.entries(statusCodes)) {
          if (code.startsWith('2') || code.startsWith('3')) ok += count;
          else bad += count;
        }
        const responses = latencies.length;
        resolve({
          durationSec,
          responses,
          reqPerSec: responses / durationSec,
          latencyMs: latencies.summary(),
          statusCodes,
          ok,
          bad,
          errors: result.errors,
          timeouts: result.timeouts,
          resets: (result as { resets?: number }).resets ?? 0,
          perSecond,
          perSecondBad,
        });
      },
    );
    startedAt = performance.now();
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      const key = String(statusCode);
      statusCodes[key] = (statusCodes[key] ?? 0) + 1;
      const second = Math.floor((performance.now() - startedAt) / 1000);
      while (perSecond.length <= second) {
        perSecond.push(0);
        perSecondBad.push(0);
      }
      perSecond[second] = (perSecond[second] ?? 0) + 1;
      if (statusCode >= 400) perSecondBad[second] = (perSecondBad[second] ?? 0) + 1;
    });
  });
}

/** A header's value from autocannon's `onResponse` headers (names as the server wrote them). */
export function headerOf(headers: Record<string, unknown> | undefined, name: string): string[] {
  if (!headers) return [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
    if (typeof value === 'string') return [value];
  }
  return [];
}
