/**
 * What the deploy prints. Every line written to stdout/stderr while a deploy runs, including
 * a0deploy's own log and dry-run table, passes through a mask that replaces credentials and
 * secret values, so no secret reaches a terminal or a CI log.
 */

export const MASK = '****';

/** Replaces every occurrence of each secret (longest first) with MASK. */
export function maskText(text: string, secrets: readonly string[]): string {
  let masked = text;
  const ordered = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    masked = masked.split(secret).join(MASK);
    // a0deploy may print values JSON-encoded: mask that form too.
    const encoded = JSON.stringify(secret).slice(1, -1);
    if (encoded !== secret) masked = masked.split(encoded).join(MASK);
  }
  return masked;
}

/** Runs fn with process.stdout and process.stderr masked; restores them afterwards. */
export async function withMaskedOutput<T>(secrets: readonly string[], fn: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- each original is only called with .call(stream), then put back as it was
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = originals[index];
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      return (original as (...args: unknown[]) => boolean).call(stream, maskText(text, secrets), ...rest);
    };
  });
  try {
    return await fn();
  } finally {
    streams.forEach((stream, index) => {
      stream.write = originals[index];
    });
  }
}

export interface DeployReport {
  domain: string;
  envFile: string | null;
  dryRun: boolean;
  /** Deployed version number of the Action after the run (null in a dry run). */
  actionVersion: number | null;
  actionId: string | null;
  /** Post-login binding order read back from the tenant (the intended order in a dry run). */
  bindings: string[];
  retiredRule: { name: string; id: string; alreadyDisabled: boolean } | null;
  seconds: number;
}

export function formatReport(report: DeployReport): string {
  const lines: string[] = [];
  const source = report.envFile ? `settings from ${report.envFile} and the environment` : 'settings from the environment';
  if (report.dryRun) {
    lines.push(`Dry run for ${report.domain} (${source}): nothing was changed.`);
    lines.push(`Post-login binding order it would set: ${report.bindings.join(' -> ')}`);
  } else {
    lines.push(`Deployed to ${report.domain} (${source}) in ${report.seconds.toFixed(1)} s.`);
    lines.push(`Action authy-2fa: version ${report.actionVersion ?? '?'} deployed (id ${report.actionId ?? '?'}).`);
    lines.push(`Post-login binding order: ${report.bindings.join(' -> ')}`);
  }
  if (report.retiredRule) {
    const { name, id, alreadyDisabled } = report.retiredRule;
    lines.push(
      alreadyDisabled
        ? `Rule "${name}" (${id}) was already disabled.`
        : `Rule "${name}" (${id}) disabled${report.dryRun ? ' (dry run: not really)' : ''}.`,
    );
  }
  return lines.join('\n');
}
