// Step: owned revisions. Content-addressed names, the one to create, and the old ones to prune.
import { describe, expect, it } from 'vitest';
import type { ChatbotSpec, ChatbotStatus, Issue } from '../../api/schema.ts';
import type { Drain } from './drains.ts';
import {
  chatbotOf,
  contextFor,
  DEFINITION,
  DEFINITION_2,
  NO_SENDER,
  REV,
  REV_2,
  servingStatus,
} from './fixtures.ts';
import { ownedRevisions, type RevisionInfo, revisionName, revisionsToPrune } from './revisions.ts';

const NOW = '2026-03-02T10:00:00Z';
const revs = (...names: string[]): RevisionInfo[] => names.map((name, i) => ({ name, revision: i + 1 }));

describe('revisionName', () => {
  it('is the same for the same definition, whatever its key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({ dialogs: DEFINITION.dialogs, startDialog: DEFINITION.startDialog }),
    );
    expect(revisionName('support-bot', reordered)).toBe(REV);
    expect(REV).toMatch(/^support-bot-[0-9a-f]{10}$/);
    expect(REV_2).not.toBe(REV);
  });
});

describe('revisionsToPrune', () => {
  it.each<[string, RevisionInfo[], string[], number, string[]]>([
    ['within the limit', revs('r1', 'r2', 'r3'), ['r3'], 5, []],
    ['past the limit: the oldest go first', revs('r1', 'r2', 'r3', 'r4'), ['r4'], 2, ['r1']],
    ['limit 0: every old one', revs('r1', 'r2', 'r3'), ['r3'], 0, ['r2', 'r1']],
    ['never the serving one, even the oldest', revs('r1', 'r2', 'r3'), ['r1'], 0, ['r3', 'r2']],
    ['never a draining one', revs('r1', 'r2', 'r3', 'r4'), ['r4', 'r1'], 1, ['r2']],
    ['a negative limit counts as 0', revs('r1', 'r2'), ['r2'], -1, ['r1']],
  ])('%s', (_name, existing, keep, limit, want) => {
    expect(revisionsToPrune(existing, new Set(keep), limit)).toEqual(want);
  });
});

describe('ownedRevisions', () => {
  it.each<{
    name: string;
    spec?: Partial<ChatbotSpec>;
    status?: ChatbotStatus;
    issues?: Issue[];
    deleting?: boolean;
    known: RevisionInfo[];
    draining?: Drain[];
    want: { createRevision?: string; pruneRevisions: string[] };
  }>([
    {
      name: 'a new valid definition: create its revision',
      known: [],
      want: { createRevision: REV, pruneRevisions: [] },
    },
    {
      name: 'its revision exists (a rollback, a resync): none to create',
      known: revs(REV),
      want: { pruneRevisions: [] },
    },
    { name: 'invalid: nothing to create', issues: [NO_SENDER], known: [], want: { pruneRevisions: [] } },
    { name: 'being deleted: nothing to create', deleting: true, known: [], want: { pruneRevisions: [] } },
    {
      name: 'limit 1: keeps the serving, the draining and the newest old one',
      spec: { definition: DEFINITION_2, revisionHistoryLimit: 1 },
      status: servingStatus(),
      known: revs('old-1', 'old-2', REV, 'old-3', REV_2),
      draining: [{ revision: REV, until: '2026-03-02T10:10:00Z', reason: 'Redeploy' }],
      want: { pruneRevisions: ['old-2', 'old-1'] },
    },
    {
      name: 'invalid: the last valid revision is kept as the serving one',
      spec: { revisionHistoryLimit: 0 },
      status: servingStatus({ revision: REV_2 }),
      issues: [NO_SENDER],
      known: revs(REV_2, REV),
      want: { pruneRevisions: [REV] },
    },
  ])('$name', ({ spec, status, issues, deleting, known, draining, want }) => {
    const chatbot = chatbotOf({ spec: spec ?? {}, ...(status ? { status } : {}) });
    if (deleting) chatbot.metadata.deletionTimestamp = NOW;
    const ctx = contextFor({ chatbot, revisions: known, ...(issues ? { issues } : {}) }, NOW);
    expect(ownedRevisions(ctx, draining ?? [])).toEqual(want);
  });
});
