// activate, deactivate, schedule, unschedule: the seed's buttons and its "Schedule activation" /
// "Schedule deactivation" dialogs, as patches of spec.state, spec.takeover,
// spec.deactivation.gracePeriod, spec.schedule and the chatbots.dev/reactivate annotation.
import type { Chatbot } from '../../../api/schema.ts';
import { oneName, parseCommand, stringFlag } from '../args.ts';
import type { Context } from '../context.ts';
import { PluginError, UsageError } from '../errors.ts';
import { HELP } from '../help.ts';
import type { Cluster } from '../kube.ts';
import { type Decision, mutate } from '../mutate.ts';
import {
  applyDeactivationGrace,
  applySchedule,
  applyTakeover,
  checkDuration,
  nextActionLine,
  planActivate,
  planDeactivate,
  planSchedule,
  planUnschedule,
  precheckTimes,
} from '../plan.ts';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The validator the operator runs, against the chatbot's Sender in the cluster; refuses on errors. */
export async function refuseInvalid(cluster: Cluster, after: Chatbot, doing: string): Promise<void> {
  const { validateChatbot } = await import('../../../core/validation/index.ts');
  const ref = after.spec?.senderRef?.name;
  const sender = ref ? await cluster.getSender(ref) : undefined;
  const issues = validateChatbot(after, { findSender: (n) => (n === ref ? sender : undefined) });
  const errors = issues.filter((i) => i.severity === 'Error');
  if (errors.length === 0) return;
  throw new PluginError(
    `chatbot ${JSON.stringify(after.metadata.name)} has ${plural(errors.length, 'error')}: not ${doing}`,
    errors.flatMap((e) => [
      `${e.path || '(manifest)'}: ${e.message} (${e.code})`,
      ...(e.hint ? [`  hint: ${e.hint}`] : []),
    ]),
  );
}

const nextLine = (ctx: Context, now: Date) => (after: Chatbot) => {
  const l = nextActionLine(after.spec, now, ctx.zone);
  return l ? [l] : [];
};

const TIME_OPTIONS = {
  at: { type: 'string' },
  until: { type: 'string' },
  'time-zone': { type: 'string' },
} as const;

export async function activate(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('activate', args, {
    ...TIME_OPTIONS,
    'grace-period': { type: 'string' },
    immediate: { type: 'boolean' },
  });
  if (p.help) return help(ctx, 'activate');
  const name = oneName('activate', p.positionals);
  const at = stringFlag(p.values, 'at');
  const until = stringFlag(p.values, 'until');
  const timeZone = stringFlag(p.values, 'time-zone');
  const takeover = {
    ...(stringFlag(p.values, 'grace-period') !== undefined
      ? { gracePeriod: stringFlag(p.values, 'grace-period') }
      : {}),
    immediate: p.values.immediate === true,
  };
  if (timeZone !== undefined && at === undefined && until === undefined) {
    throw new UsageError('--time-zone goes with --at or --until', 'activate');
  }
  if (takeover.immediate && takeover.gracePeriod !== undefined) {
    throw new UsageError('--immediate and --grace-period exclude each other', 'activate');
  }
  if (takeover.gracePeriod !== undefined) checkDuration('--grace-period', takeover.gracePeriod, 'activate');
  const now = ctx.io.now();
  if (at !== undefined || until !== undefined)
    precheckTimes({ at, until, timeZone, command: 'activate' }, now);
  const cluster = await ctx.connect(p.globals);
  return mutate(ctx, cluster, name, (cb): Decision => {
    const check = (after: Chatbot) =>
      refuseInvalid(cluster, after, at !== undefined ? 'scheduled' : 'activated');
    if (at !== undefined) {
      const plan = planSchedule(cb, { at, until, timeZone, command: 'activate' }, now, ctx.zone);
      applyTakeover(plan.after, takeover);
      return { plan, check, after: nextLine(ctx, now), whyUnchanged: 'already scheduled so' };
    }
    const plan = planActivate(cb, takeover, now, ctx.zone);
    if (until !== undefined) {
      plan.warnings.unshift(
        ...applySchedule(plan.after, { until, timeZone, command: 'activate' }, now, ctx.zone),
      );
    }
    const state = cb.status?.state ? ` (state ${cb.status.state})` : '';
    return { plan, check, after: nextLine(ctx, now), whyUnchanged: `spec.state is already Active${state}` };
  });
}

export async function deactivate(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('deactivate', args, {
    at: TIME_OPTIONS.at,
    'time-zone': TIME_OPTIONS['time-zone'],
    'grace-period': { type: 'string' },
  });
  if (p.help) return help(ctx, 'deactivate');
  const name = oneName('deactivate', p.positionals);
  const at = stringFlag(p.values, 'at');
  const timeZone = stringFlag(p.values, 'time-zone');
  const gracePeriod = stringFlag(p.values, 'grace-period');
  if (timeZone !== undefined && at === undefined) {
    throw new UsageError('--time-zone goes with --at', 'deactivate');
  }
  if (gracePeriod !== undefined) checkDuration('--grace-period', gracePeriod, 'deactivate');
  const now = ctx.io.now();
  if (at !== undefined) precheckTimes({ until: at, untilFlag: '--at', timeZone, command: 'deactivate' }, now);
  const cluster = await ctx.connect(p.globals);
  return mutate(ctx, cluster, name, (cb): Decision => {
    if (at !== undefined) {
      const plan = planSchedule(
        cb,
        { until: at, untilFlag: '--at', timeZone, command: 'deactivate' },
        now,
        ctx.zone,
      );
      applyDeactivationGrace(plan.after, gracePeriod);
      return { plan, after: nextLine(ctx, now), whyUnchanged: 'already scheduled so' };
    }
    const plan = planDeactivate(cb, { ...(gracePeriod !== undefined ? { gracePeriod } : {}) }, now, ctx.zone);
    const state = cb.status?.state ? ` (state ${cb.status.state})` : '';
    return { plan, after: nextLine(ctx, now), whyUnchanged: `spec.state is already Inactive${state}` };
  });
}

export async function schedule(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('schedule', args, TIME_OPTIONS);
  if (p.help) return help(ctx, 'schedule');
  const name = oneName('schedule', p.positionals);
  const at = stringFlag(p.values, 'at');
  const until = stringFlag(p.values, 'until');
  const timeZone = stringFlag(p.values, 'time-zone');
  if (at === undefined && until === undefined)
    throw new UsageError('schedule needs --at or --until', 'schedule');
  const now = ctx.io.now();
  precheckTimes({ at, until, timeZone, command: 'schedule' }, now);
  const cluster = await ctx.connect(p.globals);
  return mutate(ctx, cluster, name, (cb): Decision => {
    const plan = planSchedule(cb, { at, until, timeZone, command: 'schedule' }, now, ctx.zone);
    return {
      plan,
      ...(at !== undefined ? { check: (after: Chatbot) => refuseInvalid(cluster, after, 'scheduled') } : {}),
      after: nextLine(ctx, now),
      whyUnchanged: 'already scheduled so',
    };
  });
}

export async function unschedule(ctx: Context, args: string[]): Promise<number> {
  const p = parseCommand('unschedule', args, {});
  if (p.help) return help(ctx, 'unschedule');
  const name = oneName('unschedule', p.positionals);
  const cluster = await ctx.connect(p.globals);
  return mutate(ctx, cluster, name, (cb) => ({
    plan: planUnschedule(cb),
    whyUnchanged: 'it has no spec.schedule',
  }));
}

function help(ctx: Context, command: string): number {
  ctx.io.stdout(HELP[command]!);
  return 0;
}
