// The `chatbot` command line: argument parsing and dispatch. `main` never throws and never
// exits the process: it returns the exit code, so tests run it in memory.
import { parseArgs } from 'node:util';
import { validateChatbot, validateSender } from '../core/validation/index.ts';
import { type CliIO, processIO } from './io.ts';
import { exitCode, formatJson, formatText, type Validators, validateFiles } from './validate.ts';

export const USAGE = `Usage: chatbot <command> [options]

Commands:
  validate FILE...   Validate Chatbot and Sender manifests offline and print each issue
                     at its file:line:column.

Run 'chatbot validate --help' for the options of validate.
`;

export const VALIDATE_USAGE = `Usage: chatbot validate [options] FILE...

Validates Chatbot and Sender manifests (chatbots.dev/v1alpha1) the way the operator does
after 'kubectl apply', without a cluster. FILE is a YAML file of one or more documents;
'-' reads standard input. A Chatbot's spec.senderRef is looked up among the Senders in the
same files and namespace; when the Sender is not among them, the checks that need it are
skipped with a warning.

Each issue is printed as
  FILE:LINE:COLUMN: error|warning CODE message (path)
followed by a summary line.

Options:
  -o, --format text|json   Output format (default text). json prints one array of
                           {file, line, column, severity, code, message, path, hint, document}.
  -n, --namespace NAME     Namespace of documents without metadata.namespace (default "default").
  -h, --help               Show this help.

Exit status: 0 no errors (warnings allowed), 1 errors found, 2 the input could not be read
(missing file, broken YAML, a document that is not a Chatbot or Sender) or bad usage.
`;

export const defaultValidators: Validators = { validateChatbot, validateSender };

function usageError(io: CliIO, message: string, help: string): 2 {
  io.stderr(`chatbot: ${message}\nRun '${help}' for usage.\n`);
  return 2;
}

async function validateCommand(args: string[], io: CliIO, validators: Validators): Promise<number> {
  let parsed: ReturnType<typeof parseValidateArgs>;
  try {
    parsed = parseValidateArgs(args);
  } catch (err) {
    return usageError(io, (err as Error).message, 'chatbot validate --help');
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(VALIDATE_USAGE);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    return usageError(
      io,
      `unknown format ${JSON.stringify(format)}: want text or json`,
      'chatbot validate --help',
    );
  }
  if (positionals.length === 0) {
    return usageError(
      io,
      'validate needs at least one FILE (or - for standard input)',
      'chatbot validate --help',
    );
  }
  const result = await validateFiles(
    { files: positionals, namespace: values.namespace || 'default' },
    io,
    validators,
  );
  if (format === 'json') {
    io.stdout(formatJson(result));
  } else {
    const text = formatText(result);
    io.stdout(text.stdout);
    if (text.stderr) io.stderr(text.stderr);
  }
  return exitCode(result);
}

function parseValidateArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', short: 'o' },
      namespace: { type: 'string', short: 'n' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Runs `chatbot ARGV...` and returns the exit code: 0 valid, 1 errors found, 2 unreadable input or usage. */
export async function main(
  argv: string[],
  io: CliIO = processIO(),
  validators: Validators = defaultValidators,
): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'validate':
        return await validateCommand(rest, io, validators);
      case undefined:
        io.stderr(USAGE);
        return 2;
      case 'help':
      case '-h':
      case '--help':
        io.stdout(USAGE);
        return 0;
      default:
        return usageError(io, `unknown command ${JSON.stringify(command)}`, 'chatbot --help');
    }
  } catch (err) {
    // Not expected (validateFiles never throws), but a CLI answers with one line, not a stack trace.
    io.stderr(`chatbot: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    return 2;
  }
}
