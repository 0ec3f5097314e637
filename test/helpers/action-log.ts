/**
 * The bundled Action's log lines: one JSON audit line per decision, written with console.log
 * and starting with its `source` (lib/audit.ts auditJsonLine), so tests can tell them apart.
 */
export const ACTION_LINE_PREFIX = '{"source":"action",';

export function isActionLogLine(arg: unknown): arg is string {
  return typeof arg === 'string' && arg.startsWith(ACTION_LINE_PREFIX);
}
