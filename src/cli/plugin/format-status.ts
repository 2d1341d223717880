// `kubectl chatbot status NAME`: the Chatbot's status as a person reads it. Pure: the objects,
// `now` and the user's time zone in, text out. Every instant is shown in local time and in UTC.
import type { Chatbot, Condition, Sender } from '../../api/schema.ts';
import { relative, showInstant } from './times.ts';

export interface StatusView {
  chatbot: Chatbot;
  /** The Sender spec.senderRef names; undefined when it does not exist (or there is no senderRef). */
  sender: Sender | undefined;
  now: Date;
  /** The user's IANA time zone. */
  zone: string;
}

const LABEL_WIDTH = 15;
const line = (label: string, value: string) => `${`${label}:`.padEnd(LABEL_WIDTH)}${value}`.trimEnd();
const indent = (value: string) => `${' '.repeat(LABEL_WIDTH)}${value}`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2026-12-01 10:15:00 Europe/Zagreb (2026-12-01T09:15:00Z), in 9m 58s". */
function when(t: string | undefined, v: StatusView): string {
  if (!t) return '-';
  const rel = relative(t, v.now);
  return `${showInstant(t, v.zone)}${rel ? `, ${rel}` : ''}`;
}

function condition(cb: Chatbot, type: string): Condition | undefined {
  return cb.status?.conditions?.find((c) => c.type === type);
}

function stateLines(cb: Chatbot): string[] {
  const st = cb.status;
  if (!st?.state) return [line('State', 'unknown (no status yet: is the operator running?)')];
  const out = [line('State', st.state)];
  const ready = condition(cb, 'Ready');
  if (ready) out.push(line('Why', `Ready=${ready.status} ${ready.reason}: ${ready.message}`));
  const generation = cb.metadata.generation;
  if (generation !== undefined && st.observedGeneration !== undefined && st.observedGeneration < generation) {
    out.push(
      indent(
        `(this status is for generation ${st.observedGeneration}; the spec is at ${generation}: the operator has not caught up yet)`,
      ),
    );
  }
  return out;
}

function validationLines(cb: Chatbot): string[] {
  const val = cb.status?.validation;
  if (!val) return [];
  const verdict = val.errors > 0 ? 'invalid' : 'valid';
  const out = [
    line('Validation', `${verdict} (${plural(val.errors, 'error')}, ${plural(val.warnings, 'warning')})`),
  ];
  for (const i of val.issues ?? []) {
    out.push(`  ${i.severity.toLowerCase().padEnd(8)} ${i.path || '(manifest)'}: ${i.message} (${i.code})`);
  }
  if (val.omitted) out.push(`  ... and ${plural(val.omitted, 'more issue')}`);
  return out;
}

function senderLines(v: StatusView): string[] {
  const ref = v.chatbot.spec?.senderRef?.name;
  if (!ref) return [line('Sender', 'none (spec.senderRef is not set)')];
  const s = v.sender;
  if (!s) return [line('Sender', `${ref} (not found in namespace ${v.chatbot.metadata.namespace ?? ''})`)];
  const test = s.spec.test ? `, test sender: only ${s.spec.verifiedNumber ?? 'the verified number'}` : '';
  const out = [line('Sender', `${ref} (${s.spec.channel} ${s.spec.address}${test})`)];
  const h = s.status?.holder;
  const self = `${v.chatbot.metadata.namespace}/${v.chatbot.metadata.name}`;
  if (h) {
    const who = `${h.namespace}/${h.name}`;
    out.push(line('  held by', `${who}${who === self ? ' (this chatbot)' : ''} since ${when(h.since, v)}`));
  } else {
    out.push(line('  held by', 'nobody: the sender is free'));
  }
  return out;
}

function revisionLines(v: StatusView): string[] {
  const st = v.chatbot.status;
  const out: string[] = [];
  if (st?.revision) out.push(line('Revision', `${st.revision} (serves new conversations)`));
  const drains = st?.draining ?? [];
  drains.forEach((d, i) => {
    const text = `${d.revision} (${d.reason}) until ${when(d.until, v)}`;
    out.push(i === 0 ? line('Draining', text) : indent(text));
  });
  return out;
}

function scheduleLines(v: StatusView): string[] {
  const out: string[] = [];
  const s = v.chatbot.spec?.schedule;
  if (s) {
    const parts = [
      ...(s.activateAt ? [`activateAt ${s.activateAt}`] : []),
      ...(s.deactivateAt ? [`deactivateAt ${s.deactivateAt}`] : []),
      ...(s.windows ?? []).map((w) => `window ${w.activate} .. ${w.deactivate}`),
    ];
    out.push(line('Schedule', `${parts.join(', ') || 'empty'} (${s.timeZone ?? 'no time zone'})`));
  }
  const next = v.chatbot.status?.schedule;
  if (next?.nextAction && next.nextAt)
    out.push(line('Next', `${next.nextAction} at ${when(next.nextAt, v)}`));
  else if (s) out.push(line('Next', 'nothing scheduled'));
  return out;
}

function entryPointLines(cb: Chatbot): string[] {
  const eps = Object.entries(cb.status?.entryPoints ?? {});
  if (eps.length === 0) return [line('Entry points', 'none (they appear once the chatbot is Active)')];
  const out = [line('Entry points', '')];
  for (const [channel, ep] of eps) {
    out.push(line(`  ${channel}`, ep.link ?? '(no link on this channel)'));
    out.push(indent(ep.shareable ? 'shareable' : 'not shareable: test sender, only the verified number'));
    if (ep.qr) out.push(indent(`QR: ${ep.qr.png} ${ep.qr.svg}`));
  }
  return out;
}

function sessionLines(v: StatusView): string[] {
  const s = v.chatbot.status?.sessions;
  if (!s) return [line('Sessions', 'not reported (no runtime has counted them)')];
  const by = Object.entries(s.byRevision ?? {})
    .map(([rev, n]) => `${rev}: ${n}`)
    .join(', ');
  return [
    line('Sessions', `${s.open} open, ${s.draining} draining${by ? ` (${by})` : ''}`),
    indent(`counted ${when(s.observedAt, v)}`),
  ];
}

export function formatStatus(v: StatusView): string {
  const cb = v.chatbot;
  const lines = [
    line('Chatbot', `${cb.metadata.namespace ?? ''}/${cb.metadata.name ?? ''}`),
    line('Channel', cb.spec?.channel ?? '-'),
    line('Spec state', cb.spec?.state ?? 'Inactive'),
    ...stateLines(cb),
    ...validationLines(cb),
    ...senderLines(v),
    ...revisionLines(v),
    ...scheduleLines(v),
    ...entryPointLines(cb),
    ...sessionLines(v),
    line('Times', `in ${v.zone} and UTC; now ${showInstant(v.now, v.zone)}`),
  ];
  return `${lines.join('\n')}\n`;
}
