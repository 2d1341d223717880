// How `kubectl chatbot` fails: one line on stderr ("error: ..."), exit 1, never a stack trace.
// Some errors carry detail lines (a refused activation lists the validation errors at their paths).

export class PluginError extends Error {
  override name = 'PluginError';
  constructor(
    message: string,
    /** Printed under the message, indented (e.g. one validation error per line). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Bad usage: the message ends with where to read the command's help. */
export class UsageError extends PluginError {
  override name = 'UsageError';
  constructor(message: string, command?: string) {
    super(`${message} (see 'kubectl chatbot ${command ? `${command} ` : ''}--help')`);
  }
}

/** The text a PluginError (or anything thrown) prints: one line, then its details. */
export function errorText(err: unknown): string {
  if (err instanceof PluginError) {
    return [`error: ${err.message}`, ...err.details.map((d) => `  ${d}`)].join('\n') + '\n';
  }
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${oneLine(message)}\n`;
}

export function oneLine(s: string): string {
  const line = s.split('\n').find((l) => l.trim() !== '') ?? s;
  return line.trim();
}
