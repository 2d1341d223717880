// revisions and rollback: a chatbot's ControllerRevisions (one per distinct valid definition,
// content-addressed: the same definition is the same revision), and setting spec.definition back
// to one of them.
import type { V1ControllerRevision } from '@kubernetes/client-node';
import type { Chatbot, Definition } from '../../../api/schema.ts';
import { revisionName } from '../../../core/lifecycle/revisions.ts';
import { oneName, parseCommand, stringFlag } from '../args.ts';
import { editable } from '../changes.ts';
import type { Context } from '../context.ts';
import { PluginError } from '../errors.ts';
import { HELP } from '../help.ts';
import { mutate } from '../mutate.ts';
import { relative, showInstant } from '../times.ts';

export interface RevisionRow {
  revision: number;
  name: string;
  created: string;
  status: string;
}

const numberOf = (r: V1ControllerRevision) => Number(r.revision ?? 0);
const nameOf = (r: V1ControllerRevision) => r.metadata?.name ?? '';

/** One row per revision, oldest first: which serves, which drains until when, which is in spec. */
export function revisionRows(
  chatbot: Chatbot,
  revisions: readonly V1ControllerRevision[],
  now: Date,
  zone: string,
): RevisionRow[] {
  const serving = chatbot.status?.revision;
  const inSpec = revisionName(chatbot.metadata.name ?? '', chatbot.spec?.definition);
  return revisions.map((r) => {
    const name = nameOf(r);
    const notes: string[] = [];
    if (name === serving) notes.push('serving');
    for (const d of chatbot.status?.draining ?? []) {
      if (d.revision === name) {
        notes.push(`draining until ${showInstant(d.until, zone)}, ${relative(d.until, now)} (${d.reason})`);
      }
    }
    if (name === inSpec && name !== serving) notes.push('in spec, not serving yet');
    const created = r.metadata?.creationTimestamp;
    return {
      revision: numberOf(r),
      name,
      created: created ? showInstant(new Date(created), zone) : '-',
      status: notes.join('; ') || '-',
    };
  });
}

export function formatRevisionRows(rows: readonly RevisionRow[]): string {
  const header: RevisionRow = { revision: 0, name: 'NAME', created: 'CREATED', status: 'STATUS' };
  const all = [header, ...rows];
  const w = (f: (r: RevisionRow) => string) => Math.max(...all.map((r) => f(r).length));
  const rev = (r: RevisionRow) => (r === header ? 'REVISION' : String(r.revision));
  const [wr, wn, wc] = [w(rev), w((r) => r.name), w((r) => r.created)];
  return all
    .map((r) => `${rev(r).padEnd(wr)}  ${r.name.padEnd(wn)}  ${r.created.padEnd(wc)}  ${r.status}`.trimEnd())
    .join('\n')
    .concat('\n');
}

export async function revisions(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('revisions', args, {});
  if (p.help) {
    ctx.io.stdout(HELP.revisions!);
    return 0;
  }
  const name = oneName('revisions', p.positionals);
  const cluster = await ctx.connect(p.globals);
  const chatbot = await cluster.getChatbot(name);
  const list = await cluster.listRevisions(chatbot);
  if (list.length === 0) {
    ctx.io.stdout(
      `No revisions of chatbot ${name} yet: the operator makes one when its definition is valid.\n`,
    );
    return 0;
  }
  ctx.io.stdout(formatRevisionRows(revisionRows(chatbot, list, ctx.io.now(), ctx.zone)));
  return 0;
}

/** --to (a number or a name), else the newest revision whose definition is not spec.definition. */
export function rollbackTarget(
  chatbot: Chatbot,
  list: readonly V1ControllerRevision[],
  to: string | undefined,
): V1ControllerRevision {
  const name = chatbot.metadata.name ?? '';
  const known = list.map((r) => `${numberOf(r)} (${nameOf(r)})`).join(', ') || 'none';
  if (to !== undefined) {
    const hit = /^\d+$/.test(to)
      ? list.find((r) => numberOf(r) === Number(to))
      : list.find((r) => nameOf(r) === to);
    if (!hit) throw new PluginError(`chatbot ${name} has no revision ${to} (revisions: ${known})`);
    return hit;
  }
  const inSpec = revisionName(name, chatbot.spec?.definition);
  const previous = [...list].reverse().find((r) => nameOf(r) !== inSpec);
  if (!previous)
    throw new PluginError(`chatbot ${name} has no earlier revision to roll back to (revisions: ${known})`);
  return previous;
}

export async function rollback(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('rollback', args, { to: { type: 'string' } });
  if (p.help) {
    ctx.io.stdout(HELP.rollback!);
    return 0;
  }
  const name = oneName('rollback', p.positionals);
  const to = stringFlag(p.values, 'to');
  const cluster = await ctx.connect(p.globals);
  return mutate(ctx, cluster, name, async (cb) => {
    const target = rollbackTarget(cb, await cluster.listRevisions(cb), to);
    const definition = (target.data as { definition?: Definition } | undefined)?.definition;
    if (!definition) throw new PluginError(`revision ${nameOf(target)} has no data.definition`);
    const label = `revision ${numberOf(target)} (${nameOf(target)})`;
    const plan = { after: editable(cb), warnings: [] };
    // The same definition is the same revision (content hash): no change even if keys are ordered otherwise.
    if (revisionName(name, cb.spec?.definition) !== nameOf(target)) {
      plan.after.spec.definition = structuredClone(definition);
    }
    return {
      plan,
      labels: { 'spec.definition': label },
      whyUnchanged: `spec.definition is already ${label}`,
    };
  });
}
