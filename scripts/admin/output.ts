/** Console output, progress lines and the confirmation prompt, on injected streams. */
import { createInterface } from 'node:readline';
import { AdminError } from './errors';

export interface WritableLike {
  write(chunk: string): unknown;
}

export interface ReadableLike extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface Output {
  /** Results: stdout. */
  out(line: string): void;
  /** Progress, warnings, errors: stderr, so `--json` output stays clean. */
  err(line: string): void;
}

export function createOutput(stdout: WritableLike, stderr: WritableLike): Output {
  return {
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
  };
}

/** Prints "n/total" every `every` items and at the end. */
export class Progress {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly output: Output,
    private readonly label: string,
    private readonly every = Math.max(1, Math.min(100, Math.ceil(total / 20))),
  ) {}

  tick(summary: () => string): void {
    this.done += 1;
    if (this.done % this.every === 0 || this.done === this.total) {
      const pct = this.total === 0 ? 100 : Math.floor((this.done / this.total) * 100);
      this.output.err(`${this.label}: ${this.done}/${this.total} (${pct}%) ${summary()}`);
    }
  }
}

/**
 * Asks "type yes" on a terminal. Without a terminal (a pipe, CI) it refuses unless --yes was
 * given: a script must say explicitly that it means to change a user.
 */
export async function confirm(question: string, options: { yes: boolean; stdin: ReadableLike | undefined; output: Output }): Promise<void> {
  if (options.yes) return;
  if (!options.stdin || options.stdin.isTTY !== true) {
    throw new AdminError(
      'NOT_CONFIRMED',
      'not changing anything: stdin is not a terminal, so no one can confirm. Pass --yes to confirm non-interactively.',
    );
  }
  options.output.err(`${question} Type "yes" to continue:`);
  const rl = createInterface({ input: options.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    if (!/^(y|yes)$/i.test(answer.trim())) throw new AdminError('NOT_CONFIRMED', 'not confirmed; nothing was changed.');
  } finally {
    rl.close();
  }
}
