/**
 * Faults to inject into the next Authy API calls, so tests of a real client can see Authy's
 * rate limit, server errors, slow answers and broken bodies. Faults are queued in order; each
 * serves `count` calls, then the next one applies.
 */

import type { FastifyReply } from 'fastify';

export type FaultKind = 'rate_limit' | 'server_error' | 'hang' | 'malformed';

export interface Fault {
  kind: FaultKind;
  /** Calls this fault still applies to. */
  remaining: number;
  /** `hang`: how long to wait before answering normally. */
  delayMs: number;
  /** `server_error`: the HTTP status. */
  status: number;
}

export const FAULT_KINDS: readonly FaultKind[] = ['rate_limit', 'server_error', 'hang', 'malformed'];
export const MAX_FAULT_COUNT = 1000;
/** A hang longer than two minutes would only ever test the test runner. */
export const MAX_HANG_MS = 120_000;
export const SERVER_ERROR_STATUSES: readonly number[] = [500, 502, 503, 504];

/** Reads a fault request body; returns an error message naming the bad field, or the fault. */
export function parseFault(body: unknown): Fault | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const { kind, count = 1, delay_ms: delayMs = 0, status = 500 } = body as Record<string, unknown>;
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind))
    return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1 || n > MAX_FAULT_COUNT) return `count must be an integer from 1 to ${MAX_FAULT_COUNT}`;
  const delay = Number(delayMs);
  if (!Number.isInteger(delay) || delay < 0 || delay > MAX_HANG_MS) return `delay_ms must be an integer from 0 to ${MAX_HANG_MS}`;
  if (kind === 'hang' && delay === 0) return 'delay_ms is required for a hang';
  const code = Number(status);
  if (!SERVER_ERROR_STATUSES.includes(code)) return `status must be one of ${SERVER_ERROR_STATUSES.join(', ')}`;
  return { kind: kind as FaultKind, remaining: n, delayMs: delay, status: code };
}

export class FaultQueue {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    this.faults.push(fault);
  }

  /** The fault for this call, if any, counting it as used. */
  take(): Fault | undefined {
    const fault = this.faults.at(0);
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.shift();
    return { ...fault };
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.faults = [];
  }
}

/** How one emulator answers each fault, in its vendor's shape (the Verify emulator shares the queue). */
export interface FaultAnswers {
  rateLimited: (reply: FastifyReply) => FastifyReply;
  serverError: (reply: FastifyReply, status: number) => FastifyReply;
  /** A body cut short, as a broken proxy would. */
  malformedBody: string;
  /** Waits, then lets the request be answered normally. */
  hang: (delayMs: number) => Promise<void>;
}

/** Plays one fault: the answer sent, or undefined when the request goes on (after a hang). */
export async function serveFault(fault: Fault, reply: FastifyReply, answers: FaultAnswers): Promise<FastifyReply | undefined> {
  switch (fault.kind) {
    case 'rate_limit':
      return answers.rateLimited(reply);
    case 'server_error':
      return answers.serverError(reply, fault.status);
    case 'malformed':
      return reply.code(200).type('application/json; charset=utf-8').send(answers.malformedBody);
    case 'hang':
      await answers.hang(fault.delayMs);
      return undefined;
  }
}
