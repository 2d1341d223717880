// Flags and environment of the long-running processes (operator, runtime): one-line usage
// errors with exit code 2, never a stack trace; numbers, booleans and lists checked here once.
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';

export class Flags {
  constructor(
    private readonly program: string,
    private readonly usage: string,
  ) {}

  /**
   * The process's string flags (every flag takes a value; booleans are "true"/"false"), plus
   * --help: prints the usage and exits 0. An unknown flag or a positional is a usage error.
   */
  parse<const N extends string>(names: readonly N[]): Partial<Record<N, string>> {
    let values: Record<string, string | boolean | undefined>;
    try {
      values = parseArgs({
        options: {
          ...Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
          help: { type: 'boolean', short: 'h' },
        },
      }).values;
    } catch (err) {
      this.fail((err as Error).message);
    }
    if (values.help) {
      console.log(this.usage);
      process.exit(0);
    }
    return values as Partial<Record<N, string>>;
  }

  /** A usage error: one line on stderr and exit 2. */
  fail(message: string): never {
    process.stderr.write(`${this.program}: ${message}\n(see --help)\n`);
    process.exit(2);
  }

  num(v: string | undefined, dflt: number, what: string, min = 0, integer = true): number {
    const n = v === undefined || v === '' ? dflt : Number(v);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      this.fail(
        `--${what} must be ${integer ? 'a whole number' : 'a number'} >= ${min}, got ${JSON.stringify(v)}`,
      );
    }
    return n;
  }

  bool(v: string | undefined, dflt: boolean, what: string): boolean {
    if (v === undefined || v === '') return dflt;
    if (v === 'true' || v === 'false') return v === 'true';
    this.fail(`--${what} must be true or false, got ${JSON.stringify(v)}`);
  }

  oneOf<T extends string>(v: string | undefined, choices: readonly T[], dflt: T, what: string): T {
    if (v === undefined || v === '') return dflt;
    if ((choices as readonly string[]).includes(v)) return v as T;
    this.fail(`--${what} must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }

  list(v: string | undefined): string[] {
    return (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** The kubeconfig at `path`, else in-cluster, else ~/.kube/config; a usage error when none works. */
  kubeConfig(path: string | undefined): KubeConfig {
    const kc = new KubeConfig();
    try {
      if (path) kc.loadFromFile(path);
      else kc.loadFromDefault();
    } catch (err) {
      this.fail(`cannot load kubeconfig ${path ?? '(default)'}: ${(err as Error).message}`);
    }
    if (!kc.getCurrentCluster()) this.fail('no cluster in the kubeconfig: set --kubeconfig or KUBECONFIG');
    return kc;
  }
}
