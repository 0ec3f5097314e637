/**
 * One run of the bound Action for one step of a login: onExecutePostLogin after /authorize or
 * /login and for token grants, onContinuePostLogin at /continue. Builds the post-login event from
 * the request, runs the phase, then keeps what Auth0 keeps of every finished execution (metadata,
 * also after a deny, and recorded methods) and logs a failed one. Without a bound Action the
 * login passes.
 */
import type { FastifyRequest } from 'fastify';
import type { TenantClient, TenantContext } from './context';
import {
  buildEvent,
  runPostLoginPhase,
  type AuthenticationMethod,
  type BuildEventInput,
  type LoginTransaction,
  type Phase,
  type PhaseOutcome,
  type StoredUser,
} from './post-login-runtime';
import { emptyPostLoginResult } from './post-login-api-base';
import type { TenantSession } from './records';

export interface ActionRun {
  /** The request this step answers: `event.request` describes it. */
  request: FastifyRequest;
  user: StoredUser;
  client: TenantClient;
  /** `event.request.query` and `.body` (token grants leave their credentials out). */
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  transaction: LoginTransaction;
  /** `event.transaction`, apart from its id (the transaction's). */
  eventTransaction: Omit<BuildEventInput['transaction'], 'id'>;
  /** `event.authentication.methods`. */
  methods: AuthenticationMethod[];
  /** The tenant session, if any: its id is `event.session.id`, and methods the Action records join it. */
  session: TenantSession | null;
  /** False for prompt=none and token grants: a redirect then ends the login with interaction_required. */
  canRedirect: boolean;
}

/** Runs `phase` of the bound Action for this step of a login, and applies what it leaves behind. */
export async function runActionPhase(phase: Phase, ctx: TenantContext, run: ActionRun): Promise<PhaseOutcome> {
  const outcome: PhaseOutcome = ctx.action
    ? await runPostLoginPhase(ctx.action, {
        phase,
        event: eventOf(ctx, run),
        transaction: run.transaction,
        tenantHost: ctx.tenantHost,
        cache: ctx.actionCache,
        canRedirect: run.canRedirect,
        ...(ctx.actionTimeoutMs !== undefined ? { timeoutMs: ctx.actionTimeoutMs } : {}),
      })
    : { kind: 'allow', result: emptyPostLoginResult() };
  keepSideEffects(ctx, outcome, run.user.user_id, run.session);
  if (outcome.kind === 'error') {
    run.request.log.warn({ error: outcome.error, cause: outcome.cause }, 'post-login Action failed the login');
  }
  return outcome;
}

function eventOf(ctx: TenantContext, run: ActionRun) {
  const { client, session } = run;
  return buildEvent({
    user: run.user,
    client: { client_id: client.client_id, name: client.name, ...(client.metadata ? { metadata: client.metadata } : {}) },
    request: eventRequest(ctx, run.request, run.query, run.body),
    transaction: { id: run.transaction.id, ...run.eventTransaction },
    sessionMethods: run.methods,
    ...(session ? { sessionId: session.id } : {}),
    tenantId: ctx.tenantId,
    secrets: ctx.actionSecrets,
  });
}

function eventRequest(ctx: TenantContext, request: FastifyRequest, query: Record<string, unknown>, body: Record<string, unknown>) {
  const ua = request.headers['user-agent'];
  const language = request.headers['accept-language'];
  return {
    ip: request.ip,
    host: request.headers.host ?? ctx.tenantHost,
    method: request.method,
    query,
    body,
    ...(typeof ua === 'string' ? { userAgent: ua } : {}),
    ...(typeof language === 'string' ? { language: language.split(',')[0]?.trim() ?? '', acceptLanguage: language } : {}),
  };
}

/**
 * What every non-error outcome keeps: metadata (also after a deny) and recorded methods (only
 * onContinuePostLogin can record one, so executions before a redirect and token grants add none).
 */
function keepSideEffects(ctx: TenantContext, outcome: PhaseOutcome, userId: string, session: TenantSession | null): void {
  if (outcome.kind === 'error') return;
  ctx.users.applyMetadata(userId, outcome.result.appMetadata, outcome.result.userMetadata);
  if (session) session.methods.push(...outcome.result.recordedMethods);
}
