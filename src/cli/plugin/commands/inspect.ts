// status and qr: read a chatbot (and its Sender) and show them.
import { entryLink } from '../../../runtime/channels/entry.ts';
import { oneName, parseCommand } from '../args.ts';
import type { Context } from '../context.ts';
import { printable } from '../conversation.ts';
import { PluginError } from '../errors.ts';
import { formatStatus } from '../format-status.ts';
import { HELP } from '../help.ts';

export async function status(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('status', args, {});
  if (p.help) {
    ctx.io.stdout(HELP.status!);
    return 0;
  }
  const name = oneName('status', p.positionals);
  const cluster = await ctx.connect(p.globals);
  const chatbot = await cluster.getChatbot(name);
  const ref = chatbot.spec?.senderRef?.name;
  const sender = ref ? await cluster.getSender(ref) : undefined;
  // Messages quote what a Chatbot's editor wrote: printed without terminal control characters.
  ctx.io.stdout(printable(formatStatus({ chatbot, sender, now: ctx.io.now(), zone: ctx.zone })));
  return 0;
}

export async function qr(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('qr', args, {});
  if (p.help) {
    ctx.io.stdout(HELP.qr!);
    return 0;
  }
  const name = oneName('qr', p.positionals);
  const cluster = await ctx.connect(p.globals);
  const chatbot = await cluster.getChatbot(name);
  const link = entryLink(chatbot);
  if (!link) {
    throw new PluginError(
      `chatbot ${JSON.stringify(name)} has no entry point link (state ${chatbot.status?.state ?? 'unknown'}): ` +
        'it gets one once it is Active on a WhatsApp, Telegram or Messenger sender',
    );
  }
  const { default: QRCode } = await import('qrcode');
  const block = await QRCode.toString(link, { type: 'terminal', small: true });
  const entry = Object.values(chatbot.status?.entryPoints ?? {}).find((e) => e.link === link);
  ctx.io.stdout(`${block.replace(/\n+$/, '')}\n${link}\n`);
  if (entry?.qr) ctx.io.stdout(`QR image: ${entry.qr.png} (also ${entry.qr.svg})\n`);
  if (entry && !entry.shareable) {
    const ref = chatbot.spec?.senderRef?.name;
    const sender = ref ? await cluster.getSender(ref) : undefined;
    const who = sender?.spec.verifiedNumber ?? 'the verified number of its test sender';
    ctx.io.stderr(
      `warning: not shareable: only ${who} can talk to this bot (${ref ? `Sender ${ref}` : 'its sender'} is a test sender)\n`,
    );
  }
  return 0;
}
