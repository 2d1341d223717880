// What `kubectl chatbot` touches outside itself (streams, files, environment, clock), so that tests
// run `main` in memory with a fixed `now`, their own environment and scripted input.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type CliIO, processIO } from '../io.ts';

export interface PluginIO extends CliIO {
  /** Standard input one line at a time, as the lines arrive (the chat reads it so). */
  readLines(): AsyncIterable<string>;
  /** Standard input and output are terminals: the chat prompts instead of echoing. */
  isTTY: boolean;
  /** KUBECONFIG, HOME, TZ, KUBERNETES_SERVICE_HOST... */
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
}

export function processPluginIO(): PluginIO {
  return {
    ...processIO(),
    readLines: () => createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
    isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    env: process.env,
    now: () => new Date(),
  };
}

/** An in-memory PluginIO: scripted stdin, captured output (for tests and embedding). */
export interface MemoryIO extends PluginIO {
  out(): string;
  err(): string;
}

export function memoryIO(
  options: {
    stdin?: string;
    files?: Record<string, string>;
    env?: Record<string, string | undefined>;
    now?: Date | (() => Date);
    isTTY?: boolean;
  } = {},
): MemoryIO {
  let stdout = '';
  let stderr = '';
  const stdin = options.stdin ?? '';
  const now = options.now;
  return {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text !== undefined) return text;
      if (options.files) {
        throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
          code: 'ENOENT',
        });
      }
      return readFile(path, 'utf8');
    },
    readStdin: async () => stdin,
    async *readLines() {
      const lines = stdin.split(/\r?\n/);
      if (lines.at(-1) === '') lines.pop();
      yield* lines;
    },
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    now: typeof now === 'function' ? now : () => (now ? new Date(now.getTime()) : new Date()),
    out: () => stdout,
    err: () => stderr,
  };
}
