// chat: a conversation with a chatbot's definition (from the cluster, or from a manifest file) in
// the terminal, through the runtime's dialog engine. Interactive on a terminal; with standard input
// from a pipe, one message per line and the transcript printed, so it can be scripted.
import { parseAllDocuments } from 'yaml';
import type { Chatbot } from '../../../api/schema.ts';
import { compileBot } from '../../../core/dialog/engine.ts';
import { parseDuration } from '../../../core/duration.ts';
import { parseCommand, stringFlag, stringList } from '../args.ts';
import type { Context } from '../context.ts';
import { Conversation } from '../conversation.ts';
import { PluginError, UsageError } from '../errors.ts';
import { HELP } from '../help.ts';

const DEFAULT_SESSION_TIMEOUT = '30m';

/** The Chatbot documents of a manifest file; NAME picks one when there are several. */
export function chatbotFromManifest(file: string, text: string, name: string | undefined): Chatbot {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  const broken = list.find((d) => d.errors.length > 0);
  if (broken) throw new PluginError(`${file}: not valid YAML: ${broken.errors[0]!.message.split('\n')[0]}`);
  const bots = list
    .map((d) => d.toJS() as unknown)
    .filter((o): o is Chatbot => typeof o === 'object' && o !== null && (o as Chatbot).kind === 'Chatbot');
  const names = bots.map((b) => b.metadata?.name ?? '?');
  if (bots.length === 0) throw new PluginError(`${file} has no Chatbot`);
  if (name !== undefined) {
    const hit = bots.find((b) => b.metadata?.name === name);
    if (!hit)
      throw new PluginError(`${file} has no Chatbot ${JSON.stringify(name)} (it has ${names.join(', ')})`);
    return hit;
  }
  if (bots.length > 1) {
    throw new UsageError(`${file} has ${bots.length} Chatbots (${names.join(', ')}): name one`, 'chat');
  }
  return bots[0]!;
}

function attributes(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--attr ${JSON.stringify(pair)}: want KEY=VALUE`, 'chat');
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

const BANNER = (what: string) =>
  `Talking to ${what} through the runtime's dialog engine (nothing is sent to a channel).
Type a message; a number presses that button; /new starts a new session; /quit or Ctrl-D ends.
`;

export async function chat(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('chat', args, {
    filename: { type: 'string', short: 'f' },
    attr: { type: 'string', multiple: true },
  });
  if (p.help) {
    ctx.io.stdout(HELP.chat!);
    return 0;
  }
  const file = stringFlag(p.values, 'filename');
  const seed = attributes(stringList(p.values, 'attr'));
  if (p.positionals.length > 1) throw new UsageError('chat takes one chatbot name', 'chat');
  const name = p.positionals[0];
  let chatbot: Chatbot;
  let what: string;
  if (file !== undefined) {
    if (file === '-') {
      throw new UsageError('chat reads the conversation from standard input: -f - is not possible', 'chat');
    }
    let text: string;
    try {
      text = await ctx.io.readFile(file);
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new PluginError(
        `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      );
    }
    chatbot = chatbotFromManifest(file, text, name);
    what = `${chatbot.metadata?.name ?? 'the chatbot'} (${file})`;
  } else {
    if (name === undefined) throw new UsageError('chat needs the name of a chatbot, or -f FILE', 'chat');
    const cluster = await ctx.connect(p.globals);
    chatbot = await cluster.getChatbot(name);
    what = `${cluster.namespace}/${name} (spec.definition in the cluster)`;
  }
  const spec = chatbot.spec ?? {};
  const conversation = new Conversation(compileBot(spec.definition), {
    sessionTimeoutMs: parseDuration(spec.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT) ?? 30 * 60_000,
    ...(seed ? { attributes: seed } : {}),
  });

  const { io } = ctx;
  const prompt = () => {
    if (io.isTTY) io.stdout('you: ');
  };
  if (io.isTTY) io.stdout(BANNER(what));
  prompt();
  for await (const raw of io.readLines()) {
    const text = raw.trim();
    if (text === '/quit' || text === '/exit') break;
    if (text === '') {
      prompt();
      continue;
    }
    if (text === '/new') {
      conversation.reset();
      io.stdout('-- new session\n');
      prompt();
      continue;
    }
    const turn = conversation.say(text, io.now().getTime());
    if (!io.isTTY) io.stdout(`you: ${turn.said}\n`);
    else if (turn.said !== text) io.stdout(`-- pressed ${turn.said.slice(text.length + 1)}\n`);
    for (const l of turn.lines) io.stdout(`${l}\n`);
    prompt();
  }
  if (io.isTTY) io.stdout('\n');
  return 0;
}
