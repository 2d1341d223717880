// `kubectl chatbot`: dispatch to the commands. `main` never throws and never exits the process: it
// returns the exit code (errors are one line on stderr, exit 1), so tests run it in memory. Each
// command's module (and client-node, the validator, the dialog engine) loads only when it runs.
import { splitCommand } from './args.ts';
import type { Context } from './context.ts';
import { errorText, UsageError } from './errors.ts';
import { COMMANDS, TOP_HELP } from './help.ts';
import { type PluginIO, processPluginIO } from './io.ts';
import { localZone } from './times.ts';

type Command = (ctx: Context, args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import('./commands/validate.ts')).validate,
  status: async () => (await import('./commands/inspect.ts')).status,
  qr: async () => (await import('./commands/inspect.ts')).qr,
  activate: async () => (await import('./commands/lifecycle.ts')).activate,
  deactivate: async () => (await import('./commands/lifecycle.ts')).deactivate,
  schedule: async () => (await import('./commands/lifecycle.ts')).schedule,
  unschedule: async () => (await import('./commands/lifecycle.ts')).unschedule,
  revisions: async () => (await import('./commands/revisions.ts')).revisions,
  rollback: async () => (await import('./commands/revisions.ts')).rollback,
  chat: async () => (await import('./commands/chat.ts')).chat,
};

/** Runs `kubectl chatbot ARGV...` and returns the exit code. */
export async function main(argv: readonly string[], io: PluginIO = processPluginIO()): Promise<number> {
  try {
    const { command, rest } = splitCommand(argv);
    if (command === undefined || command === 'help') {
      const topic = command === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
      if (topic !== undefined && COMMANDS.includes(topic)) return await main([topic, '--help'], io);
      if (topic !== undefined) throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
      if (command === undefined && rest.some((a) => a !== '-h' && a !== '--help' && a.startsWith('-'))) {
        throw new UsageError('a command is missing');
      }
      io.stdout(TOP_HELP);
      return 0;
    }
    const load = Object.hasOwn(commands, command) ? commands[command] : undefined;
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const run = await load();
    const ctx: Context = {
      io,
      zone: localZone(io.env),
      connect: async (globals) => (await import('./kube.ts')).connect(globals, io.env),
    };
    return await run(ctx, rest);
  } catch (err) {
    io.stderr(errorText(err));
    return 1;
  }
}
