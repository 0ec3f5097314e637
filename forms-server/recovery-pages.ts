/**
 * The recovery codes' parts of the pages (render.ts calls these): the codes panel and links on the
 * code page, the recovery page, and the page after a recovery code, which says how many are left
 * and posts the code to the Action (no auto-submit: the user reads it first).
 */
import type { FastifyReply } from 'fastify';
import { format, type Catalogue } from './i18n';
import type { ContinueForm } from './render';
import { canReplace } from './visit/recovery-steps';
import { enrolledBefore, type Visit } from './visit/visit';

/** What the code page shows of recovery codes: new codes (if any), "Lost your phone?", "Get new recovery codes". */
export function recoveryPanel(visit: Visit, t: Catalogue) {
  const recovery = visit.recovery;
  const enrolled = enrolledBefore(visit);
  return {
    codes: recovery?.codes ?? null,
    intro: enrolled ? t.codesIntroNew : t.codesIntroEnrolling,
    canOpen: enrolled && (recovery?.left ?? 0) > 0,
    canRequest: enrolled && recovery !== undefined && !recovery.codes,
    replacing: Boolean(recovery?.used) && !visit.outcome,
  };
}

export function recoveryPage(reply: FastifyReply, visit: Visit, t: Catalogue, page: Record<string, unknown>): FastifyReply {
  return reply.view('recovery', { ...page, intro: format(t.recoveryIntro, { count: visit.recovery?.left ?? 0 }) });
}

export function recoveryDonePage(reply: FastifyReply, visit: Visit, t: Catalogue, page: Record<string, unknown>, form: ContinueForm) {
  const left = Math.max(0, (visit.recovery?.left ?? 1) - 1);
  const intro = format(t.recoveryDoneIntro, { count: left });
  // The form to set up a new phone posts to us: the CSP's form-action stays off only for /continue's.
  return reply.view('recovery-done', { ...page, continueForm: form, intro, canReplace: canReplace(visit) });
}
