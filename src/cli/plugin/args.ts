// Argument parsing: kubectl's global flags (-n/--namespace, --kubeconfig, --context) anywhere on the
// line, each command's own flags, and one-line usage errors instead of node's long messages.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** The flags every command that talks to the cluster takes, as kubectl does. */
export interface Globals {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

const GLOBAL_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/** Global flags that take the next argument as their value. */
const TAKES_VALUE = new Set(['-n', '--namespace', '--kubeconfig', '--context']);

/**
 * The command (the first argument that is not a flag or a global flag's value) and the other
 * arguments in their order: `-n ns status support` → status, [-n, ns, support].
 */
export function splitCommand(argv: readonly string[]): { command?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (TAKES_VALUE.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return { command: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: [...argv] };
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
  globals: Globals;
  help: boolean;
}

/** The flag a parseArgs message names: "Option '-n, --namespace <value>' argument missing" → --namespace. */
function optionName(message: string): string {
  const inner = /'([^']+)'/.exec(message)?.[1] ?? '';
  return (
    inner
      .replace(/ <value>$/, '')
      .split(', ')
      .at(-1) ?? ''
  );
}

/** Parses one command's arguments (its own options plus the global ones); throws UsageError. */
export function parseCommand(
  command: string,
  args: readonly string[],
  options: ParseArgsOptionsConfig,
): Parsed {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (err) {
    const e = err as { code?: string; message: string };
    const flag = optionName(e.message);
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown flag ${flag || e.message} for "${command}"`, command);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(
          /argument missing/.test(e.message) ? `flag ${flag} needs a value` : `flag ${flag} takes no value`,
          command,
        );
      default:
        throw new UsageError(e.message.split('\n')[0]!, command);
    }
  }
  const { values, positionals } = parsed;
  const globals: Globals = {};
  for (const key of ['namespace', 'kubeconfig', 'context'] as const) {
    const v = values[key];
    if (typeof v === 'string') {
      if (v === '') throw new UsageError(`flag --${key} needs a value`, command);
      globals[key] = v;
    }
  }
  return { values, positionals, globals, help: values.help === true };
}

export function stringFlag(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function stringList(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** The one NAME a command takes; usage errors for none or more. */
export function oneName(command: string, positionals: readonly string[]): string {
  if (positionals.length === 0) throw new UsageError(`${command} needs the name of a chatbot`, command);
  if (positionals.length > 1) {
    throw new UsageError(
      `${command} takes one chatbot name, got ${positionals.length}: ${positionals.join(' ')}`,
      command,
    );
  }
  return positionals[0]!;
}
