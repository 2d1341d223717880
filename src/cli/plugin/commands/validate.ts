// validate: the offline validator of `chatbot validate` (src/cli/validate.ts), under kubectl chatbot.
import { validateChatbot, validateSender } from '../../../core/validation/index.ts';
import { exitCode, formatJson, formatText, validateFiles } from '../../validate.ts';
import { parseCommand, stringFlag } from '../args.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { HELP } from '../help.ts';

/** Exit status as `chatbot validate`: 0 no errors, 1 errors, 2 unreadable input. */
export async function validate(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('validate', args, { format: { type: 'string', short: 'o' } });
  if (p.help) {
    ctx.io.stdout(HELP.validate!);
    return 0;
  }
  const format = stringFlag(p.values, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`unknown format ${JSON.stringify(format)}: want text or json`, 'validate');
  }
  if (p.positionals.length === 0) {
    throw new UsageError('validate needs at least one FILE (or - for standard input)', 'validate');
  }
  const result = await validateFiles(
    { files: p.positionals, namespace: p.globals.namespace ?? 'default' },
    ctx.io,
    { validateChatbot, validateSender },
  );
  if (format === 'json') {
    ctx.io.stdout(formatJson(result));
  } else {
    const text = formatText(result);
    ctx.io.stdout(text.stdout);
    if (text.stderr) ctx.io.stderr(text.stderr);
  }
  return exitCode(result);
}
