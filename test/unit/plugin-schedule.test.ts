// The changes activate, deactivate, schedule and unschedule make, decided from a Chatbot, the
// flags and an injected now: wall times in a time zone (unknown zone, past, DST gap and overlap,
// order), the seed's rule for deactivation times, spent one-off times, the reactivate annotation,
// and the merge patch and the line printed from them.
import { describe, expect, it } from 'vitest';
import type { Chatbot } from '../../src/api/schema.ts';
import { describeChanges, editable, mergePatchOf, patchedLine } from '../../src/cli/plugin/changes.ts';
import { memoryIO } from '../../src/cli/plugin/io.ts';
import { main } from '../../src/cli/plugin/main.ts';
import {
  nextActionLine,
  planActivate,
  planDeactivate,
  planSchedule,
  planUnschedule,
  type ScheduleRequest,
} from '../../src/cli/plugin/plan.ts';

const NOW = new Date('2027-03-01T10:00:00Z'); // 11:00 in Zagreb
const ZONE = 'Europe/Zagreb';

function bot(
  spec: Partial<Chatbot['spec']> = {},
  status?: Chatbot['status'],
  annotations?: Record<string, string>,
): Chatbot {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Chatbot',
    metadata: {
      name: 'support',
      namespace: 'acme',
      resourceVersion: '42',
      ...(annotations ? { annotations } : {}),
    },
    spec: { channel: 'WhatsApp', senderRef: { name: 'acme-whatsapp' }, state: 'Inactive', ...spec },
    ...(status ? { status } : {}),
  };
}

const schedule = (cb: Chatbot, req: Omit<ScheduleRequest, 'command'>) =>
  planSchedule(cb, { command: 'schedule', ...req }, NOW, ZONE);

async function run(argv: string[]) {
  const io = memoryIO({ env: { TZ: ZONE }, now: NOW });
  const code = await main(argv, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

describe('schedule times, checked before the cluster is asked', () => {
  it.each<[string[], string]>([
    [
      ['schedule', 'support', '--at', '2027-04-01 09:00', '--time-zone', 'Mars/Olympus'],
      'unknown time zone "Mars/Olympus": want an IANA name such as Europe/Zagreb, America/New_York or UTC',
    ],
    [
      ['schedule', 'support', '--at', '2027-02-01 09:00', '--time-zone', ZONE],
      '--at 2027-02-01 09:00 Europe/Zagreb is in the past (it is now 2027-03-01 11:00 there)',
    ],
    [
      ['schedule', 'support', '--at', '2027-03-01 11:00', '--time-zone', ZONE],
      '--at 2027-03-01 11:00 Europe/Zagreb is in the past (it is now 2027-03-01 11:00 there)',
    ],
    [
      ['schedule', 'support', '--at', '2027-03-28 02:30', '--time-zone', ZONE],
      '--at 2027-03-28 02:30 does not exist in Europe/Zagreb: the clocks jump from 02:00 to 03:00 that day (daylight saving time); pick a time outside the gap',
    ],
    [
      ['schedule', 'support', '--at', '2027-04-01 09:00', '--until', '2027-03-28 02:30', '--time-zone', ZONE],
      '--until 2027-03-28 02:30 does not exist in Europe/Zagreb: the clocks jump from 02:00 to 03:00 that day (daylight saving time); pick a time outside the gap',
    ],
    [
      ['schedule', 'support', '--at', '2027-04-01 09:00', '--until', '2027-04-01 08:00', '--time-zone', ZONE],
      '--until 2027-04-01 08:00 is not later than --at 2027-04-01 09:00',
    ],
    [
      ['activate', 'support', '--at', '2027-03-01 05:00', '--time-zone', 'America/New_York'],
      '--at 2027-03-01 05:00 America/New_York is in the past (it is now 2027-03-01 05:00 there)',
    ],
    [
      ['deactivate', 'support', '--at', '2026-12-24 18:00', '--time-zone', ZONE],
      '--at 2026-12-24 18:00 Europe/Zagreb is in the past (it is now 2027-03-01 11:00 there)',
    ],
  ])('%j', async (argv, message) => {
    const r = await run(argv);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `error: ${message}\n` });
  });
});

describe('schedule (planSchedule)', () => {
  it('sets activateAt, deactivateAt and timeZone as the API writes them, seconds only when set', () => {
    const { after, warnings } = schedule(bot(), {
      at: '2027-12-01 09:00',
      until: '2027-12-24T18:00:30',
      timeZone: ZONE,
    });
    expect(after.spec.schedule).toEqual({
      timeZone: ZONE,
      activateAt: '2027-12-01T09:00',
      deactivateAt: '2027-12-24T18:00:30',
    });
    expect(warnings).toEqual([]);
    expect(nextActionLine(after.spec, NOW, ZONE)).toBe(
      'next: Activate at 2027-12-01 09:00:00 Europe/Zagreb (2027-12-01T08:00:00Z)',
    );
  });

  it('the zone defaults to the schedule’s, then the user’s', () => {
    const zoned = bot({
      schedule: {
        timeZone: 'America/New_York',
        windows: [{ activate: '0 8 * * 1', deactivate: '0 9 * * 1' }],
      },
    });
    expect(schedule(zoned, { at: '2027-04-01 09:00' }).after.spec.schedule).toEqual({
      timeZone: 'America/New_York',
      activateAt: '2027-04-01T09:00',
      windows: [{ activate: '0 8 * * 1', deactivate: '0 9 * * 1' }],
    });
    expect(schedule(bot(), { at: '2027-04-01 09:00' }).after.spec.schedule?.timeZone).toBe(ZONE);
  });

  it('refuses a zone other than the one of the windows it keeps', () => {
    const zoned = bot({
      schedule: {
        timeZone: 'America/New_York',
        windows: [{ activate: '0 8 * * 1', deactivate: '0 9 * * 1' }],
      },
    });
    expect(() => schedule(zoned, { at: '2027-04-01 09:00', timeZone: ZONE })).toThrow(
      'spec.schedule.windows is in America/New_York: use --time-zone America/New_York, or unschedule first',
    );
  });

  it('an inactive bot gets a deactivation time only together with an activation time (the seed)', () => {
    expect(() => schedule(bot(), { until: '2027-04-01 18:00', timeZone: ZONE })).toThrow(
      'the chatbot is inactive: a deactivation time can only be scheduled together with an activation time (give --at too)',
    );
    expect(() =>
      planSchedule(bot(), { until: '2027-04-01 18:00', untilFlag: '--at', command: 'deactivate' }, NOW, ZONE),
    ).toThrow("(give the activation with 'activate --at')");
    // An active bot may get one alone; an inactive one with a scheduled activation too.
    expect(schedule(bot({ state: 'Active' }), { until: '2027-04-01 18:00' }).after.spec.schedule).toEqual({
      timeZone: ZONE,
      deactivateAt: '2027-04-01T18:00',
    });
    const scheduled = bot({ schedule: { timeZone: ZONE, activateAt: '2027-04-01T09:00' } });
    expect(schedule(scheduled, { until: '2027-04-01 18:00' }).after.spec.schedule).toEqual({
      timeZone: ZONE,
      activateAt: '2027-04-01T09:00',
      deactivateAt: '2027-04-01T18:00',
    });
    expect(() => schedule(scheduled, { until: '2027-04-01 08:00' })).toThrow(
      '--until 2027-04-01 08:00 is not later than the scheduled activation (spec.schedule.activateAt 2027-04-01T09:00): give --at too, or unschedule first',
    );
  });

  it('--at without --until schedules no deactivation (a previous one is removed)', () => {
    const cb = bot({
      schedule: { timeZone: ZONE, activateAt: '2027-04-01T09:00', deactivateAt: '2027-04-02T09:00' },
    });
    const { after } = schedule(cb, { at: '2027-05-01 09:00' });
    expect(after.spec.schedule).toEqual({ timeZone: ZONE, activateAt: '2027-05-01T09:00' });
    expect(describeChanges(editable(cb), after)).toEqual([
      'spec.schedule.activateAt 2027-04-01T09:00 -> 2027-05-01T09:00',
      'spec.schedule.deactivateAt 2027-04-02T09:00 -> (unset)',
    ]);
    expect(mergePatchOf(editable(cb), after, '42')).toEqual({
      metadata: { resourceVersion: '42' },
      spec: { schedule: { activateAt: '2027-05-01T09:00', deactivateAt: null } },
    });
  });

  it('a time that happens twice (the clocks go back) is the first one, with a note', () => {
    const { after, warnings } = schedule(bot(), { at: '2027-10-31 02:30' });
    expect(after.spec.schedule?.activateAt).toBe('2027-10-31T02:30');
    expect(warnings).toEqual([
      'note: --at 2027-10-31 02:30 happens twice in Europe/Zagreb (the clocks go back); the first one counts: 2027-10-31T00:30:00Z',
    ]);
  });

  it('times in another zone are that zone’s wall times', () => {
    const { after } = schedule(bot(), { at: '2027-03-14T08:00', timeZone: 'America/New_York' });
    expect(nextActionLine(after.spec, NOW, ZONE)).toBe(
      'next: Activate at 2027-03-14 13:00:00 Europe/Zagreb (2027-03-14T12:00:00Z)',
    );
  });

  it('unschedule removes spec.schedule', () => {
    const cb = bot({ schedule: { timeZone: ZONE, activateAt: '2027-04-01T09:00' } });
    const { after } = planUnschedule(cb);
    expect(after.spec.schedule).toBeUndefined();
    expect(mergePatchOf(editable(cb), after)).toEqual({ metadata: {}, spec: { schedule: null } });
    expect(describeChanges(editable(cb), after)).toEqual([
      'spec.schedule.activateAt 2027-04-01T09:00 -> (unset)',
      'spec.schedule.timeZone Europe/Zagreb -> (unset)',
    ]);
  });
});

describe('activate and deactivate (by hand)', () => {
  it('activate: spec.state Active, takeover from the flags; the printed line', () => {
    const cb = bot();
    const graceful = planActivate(cb, { gracePeriod: '5m' }, NOW, ZONE);
    expect(graceful.after.spec).toMatchObject({
      state: 'Active',
      takeover: { mode: 'Graceful', gracePeriod: '5m' },
    });
    expect(patchedLine('support', describeChanges(editable(cb), graceful.after))).toBe(
      'chatbot.chatbots.dev/support patched: spec.state Inactive -> Active, spec.takeover.gracePeriod (unset) -> 5m, spec.takeover.mode (unset) -> Graceful\n',
    );
    const immediate = planActivate(
      bot({ takeover: { mode: 'Graceful', gracePeriod: '15m' } }),
      { immediate: true },
      NOW,
      ZONE,
    );
    expect(immediate.after.spec.takeover).toEqual({ mode: 'Immediate', gracePeriod: '15m' });
    expect(immediate.after.annotations).toEqual({});
  });

  it('a preempted bot gets a new chatbots.dev/reactivate annotation (now), so it claims its sender again', () => {
    for (const status of [
      { state: 'Preempted' as const },
      {
        state: 'Draining' as const,
        draining: [{ revision: 'r', until: '2027-03-01T10:10:00Z', reason: 'TakenOver' as const }],
      },
    ]) {
      const cb = bot({ state: 'Active' }, status, { 'chatbots.dev/reactivate': '2027-01-01T00:00:00Z' });
      const { after } = planActivate(cb, {}, NOW, ZONE);
      expect(describeChanges(editable(cb), after)).toEqual([
        'metadata.annotations["chatbots.dev/reactivate"] 2027-01-01T00:00:00Z -> 2027-03-01T10:00:00Z',
      ]);
    }
    // Not for a bot that is merely inactive or active.
    for (const state of ['Inactive', 'Active', 'Scheduled'] as const) {
      expect(planActivate(bot({}, { state }), {}, NOW, ZONE).after.annotations).toEqual({});
    }
  });

  it('one-off times already past are removed: they would keep deciding the state', () => {
    const cb = bot({
      state: 'Active',
      schedule: { timeZone: ZONE, activateAt: '2027-02-01T09:00', deactivateAt: '2027-02-10T09:00' },
    });
    const on = planActivate(cb, {}, NOW, ZONE);
    expect(on.after.spec.schedule).toBeUndefined();
    expect(on.warnings).toEqual([]);
    const scheduled = bot({
      schedule: { timeZone: ZONE, activateAt: '2027-02-01T09:00', deactivateAt: '2027-04-01T09:00' },
    });
    // Active by schedule since 1 Feb: deactivated by hand, the spent activation and the now moot deactivation go.
    const off = planDeactivate(scheduled, { gracePeriod: '10m' }, NOW, ZONE);
    expect(off.after.spec.schedule).toBeUndefined();
    expect(off.after.spec.deactivation).toEqual({ gracePeriod: '10m' });
    expect(describeChanges(editable(scheduled), off.after)).toEqual([
      'spec.deactivation.gracePeriod (unset) -> 10m',
      'spec.schedule.activateAt 2027-02-01T09:00 -> (unset)',
      'spec.schedule.deactivateAt 2027-04-01T09:00 -> (unset)',
      'spec.schedule.timeZone Europe/Zagreb -> (unset)',
    ]);
    // A future activation stays (and says when it comes back).
    const later = bot({ state: 'Active', schedule: { timeZone: ZONE, activateAt: '2027-04-01T09:00' } });
    const off2 = planDeactivate(later, {}, NOW, ZONE);
    expect(off2.after.spec.schedule).toEqual({ timeZone: ZONE, activateAt: '2027-04-01T09:00' });
    expect(nextActionLine(off2.after.spec, NOW, ZONE)).toBe(
      'next: Activate at 2027-04-01 09:00:00 Europe/Zagreb (2027-04-01T07:00:00Z)',
    );
  });

  it('warns when recurring windows keep deciding', () => {
    const cb = bot({
      schedule: { timeZone: ZONE, windows: [{ activate: '0 8 * * *', deactivate: '0 18 * * *' }] },
    });
    expect(planDeactivate(cb, {}, NOW, ZONE).warnings).toEqual([
      "warning: spec.schedule.windows[0] keeps it Active until 2027-03-01 18:00:00 Europe/Zagreb (2027-03-01T17:00:00Z); 'kubectl chatbot unschedule' makes spec.state decide alone",
    ]);
  });

  it('nothing to change: unchanged, and no patch', () => {
    const cb = bot({ state: 'Active' }, { state: 'Active' });
    const { after } = planActivate(cb, {}, NOW, ZONE);
    expect(describeChanges(editable(cb), after)).toEqual([]);
    expect(mergePatchOf(editable(cb), after)).toBeUndefined();
    expect(patchedLine('support', [], 'spec.state is already Active (state Active)')).toBe(
      'chatbot.chatbots.dev/support unchanged: spec.state is already Active (state Active)\n',
    );
  });
});
