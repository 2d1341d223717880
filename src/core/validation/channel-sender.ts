// "Chatbot channel and sender must be defined": a channel, a senderRef, a Sender that exists, and a
// Sender on the chatbot's channel.
import { issue, SEED_MESSAGES } from './codes.ts';
import { isBlank, isRecord, type JsonObject, quote, stringAt } from './read.ts';
import type { Issue, ValidationContext } from './types.ts';

const SEED = SEED_MESSAGES.ChannelSenderUndefined;

type Lookup = { found: true; sender: unknown } | { found: false } | { found: 'unknown'; reason: string };

function lookUp(context: ValidationContext, name: string): Lookup {
  try {
    const find = isRecord(context) ? (context as { findSender?: unknown }).findSender : undefined;
    if (typeof find !== 'function') return { found: 'unknown', reason: 'no Sender lookup was given' };
    const result: unknown = find.call(context, name);
    if (result === 'unknown')
      return { found: 'unknown', reason: 'the Sender was not available to the validator' };
    if (result === undefined || result === null) return { found: false };
    return { found: true, sender: result };
  } catch (e) {
    return {
      found: 'unknown',
      reason: `the Sender lookup failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

export function checkChannelSender(spec: JsonObject, context: ValidationContext): Issue[] {
  const issues: Issue[] = [];
  const channel = spec.channel;
  const channelMissing =
    channel === undefined || channel === null || (typeof channel === 'string' && isBlank(channel));
  if (channelMissing) {
    issues.push(
      issue(
        'ChannelSenderUndefined',
        'spec.channel',
        SEED,
        'Set spec.channel to the channel of the Sender, e.g. WhatsApp.',
      ),
    );
  }
  const ref = spec.senderRef;
  if (ref === undefined || ref === null) {
    issues.push(
      issue(
        'ChannelSenderUndefined',
        'spec.senderRef',
        SEED,
        'Set spec.senderRef.name to a Sender in the chatbot’s namespace; a sender serves one active chatbot at a time.',
      ),
    );
    return issues;
  }
  if (!isRecord(ref)) return issues; // a schema violation already
  const name = ref.name;
  if (name === undefined || name === null || (typeof name === 'string' && isBlank(name))) {
    issues.push(
      issue(
        'ChannelSenderUndefined',
        'spec.senderRef.name',
        SEED,
        'Set spec.senderRef.name to a Sender in the chatbot’s namespace.',
      ),
    );
    return issues;
  }
  if (typeof name !== 'string') return issues;

  const found = lookUp(context, name);
  if (found.found === 'unknown') {
    issues.push(
      issue(
        'SenderNotChecked',
        'spec.senderRef.name',
        `Sender ${quote(name)} was not checked: ${found.reason}`,
        'Pass the Sender manifest to the validator too, or check that it exists with kubectl get senders.',
      ),
    );
    return issues;
  }
  if (!found.found) {
    issues.push(
      issue(
        'ChannelSenderUndefined',
        'spec.senderRef.name',
        `${SEED}: Sender ${quote(name)} does not exist in the chatbot’s namespace`,
        'Create the Sender or fix the name in spec.senderRef.name.',
      ),
    );
    return issues;
  }
  const sender = found.sender;
  const senderChannel = isRecord(sender) && isRecord(sender.spec) ? stringAt(sender.spec.channel) : undefined;
  if (
    typeof channel === 'string' &&
    !channelMissing &&
    senderChannel !== undefined &&
    senderChannel !== channel
  ) {
    issues.push(
      issue(
        'ChannelSenderUndefined',
        'spec.channel',
        `${SEED}: the chatbot’s channel is ${quote(channel)} but Sender ${quote(name)} is on channel ${quote(senderChannel)}`,
        `Set spec.channel to ${senderChannel} or refer to a ${channel} Sender.`,
      ),
    );
  }
  return issues;
}
