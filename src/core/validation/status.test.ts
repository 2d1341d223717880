// status.validation and the validation condition message, from issues (hand-made, and the
// validator's own output for one broken manifest).
import { describe, expect, it } from 'vitest';
import { contextWith, exampleChatbot, exampleSender } from './fixtures.ts';
import {
  type Issue,
  STATUS_ISSUE_BYTES,
  STATUS_ISSUE_LIMIT,
  summarize,
  validateChatbot,
  validationMessage,
  validationStatus,
} from './index.ts';

const issue = (severity: Issue['severity'], path: string, message = `${severity} at ${path}`): Issue => ({
  severity,
  code: 'SomeCode',
  path,
  message,
  hint: 'Fix it.',
});
const err = (path: string, message?: string) => issue('Error', path, message);
const warn = (path: string, message?: string) => issue('Warning', path, message);

/** n issues at spec.x[from..from+n), all of one severity. */
const many = (n: number, make: (path: string) => Issue, from = 0) =>
  Array.from({ length: n }, (_, i) => make(`spec.x[${from + i}]`));

describe('summarize', () => {
  it.each<[string, Issue[], { errors: number; warnings: number }]>([
    ['nothing', [], { errors: 0, warnings: 0 }],
    ['warnings only', [warn('spec.a'), warn('spec.b')], { errors: 0, warnings: 2 }],
    ['both', [warn('spec.a'), err('spec.b'), err('spec.c')], { errors: 2, warnings: 1 }],
  ])('%s', (_name, issues, want) => {
    expect(summarize(issues)).toEqual(want);
  });
});

describe('validationStatus', () => {
  const W100 = many(100, warn);
  const E20 = many(20, err, 100);

  it.each<{ name: string; issues: Issue[]; limit?: number; listed: Issue[]; omitted?: number }>([
    { name: 'no issues', issues: [], listed: [] },
    {
      name: 'all fit: listed as given (the validator’s path order), warnings included',
      issues: [warn('spec.a'), err('spec.b'), warn('spec.c')],
      listed: [warn('spec.a'), err('spec.b'), warn('spec.c')],
    },
    { name: 'exactly the limit: all listed, nothing omitted', issues: W100, listed: W100 },
    {
      name: '120 issues, 20 errors after 100 warnings: the 20 errors, then 80 warnings',
      issues: [...W100, ...E20],
      listed: [...E20, ...W100.slice(0, 80)],
      omitted: 20,
    },
    {
      name: 'more errors than the limit: errors only, in order',
      issues: [warn('spec.a'), ...many(3, err)],
      limit: 2,
      listed: many(2, err),
      omitted: 2,
    },
    { name: 'a limit of 0 lists nothing', issues: [err('spec.a')], limit: 0, listed: [], omitted: 1 },
  ])('$name', ({ issues, limit, listed, omitted }) => {
    const status = validationStatus(issues, limit);
    expect(status.issues).toEqual(listed);
    if (omitted === undefined) expect(status).not.toHaveProperty('omitted');
    else expect(status.omitted).toBe(omitted);
    // The counts cover every issue, not only the listed ones.
    const { errors, warnings } = summarize(issues);
    expect([status.errors, status.warnings, status.summary]).toEqual([
      errors,
      warnings,
      `${errors}/${warnings}`,
    ]);
  });

  it('keeps at most the CRD’s maxItems by default', () => {
    expect(STATUS_ISSUE_LIMIT).toBe(100);
    expect(validationStatus(many(101, warn)).issues).toHaveLength(100);
  });
});

describe('validationMessage', () => {
  it.each<[string, Issue[], string]>([
    ['no issues', [], 'No issues'],
    ['one warning', [warn('spec.a')], '1 warning; no errors'],
    ['two warnings', [warn('spec.a'), warn('spec.b')], '2 warnings; no errors'],
    ['one error', [err('spec.a', 'bad')], '1 error; first: spec.a: bad'],
    [
      'errors and warnings: names the first errors, never warnings',
      [warn('spec.a', 'meh'), err('spec.b', 'bad'), err('spec.c', 'worse')],
      '2 errors; first: spec.b: bad; spec.c: worse',
    ],
    [
      'four errors: names the first three',
      [err('spec.a', '1'), err('spec.b', '2'), err('spec.c', '3'), err('spec.d', '4')],
      '4 errors; first: spec.a: 1; spec.b: 2; spec.c: 3',
    ],
  ])('%s', (_name, issues, want) => {
    expect(validationMessage(issues)).toBe(want);
  });
});

describe('the validator’s output', () => {
  const bot = exampleChatbot();
  // biome-ignore lint/suspicious/noExplicitAny: the test breaks the example on purpose
  const spec = bot.spec as any;
  delete spec.channel;
  spec.definition.dialogs.push({ name: 'orphan', elements: [{ text: 'x' }] });
  spec.definition.dialogs[0].elements[1].buttons.message = '';
  const issues = validateChatbot(bot, contextWith(exampleSender()));

  it('is counted, cut errors first and named in the message', () => {
    expect(summarize(issues)).toEqual({ errors: 2, warnings: 1 });
    const status = validationStatus(issues, 2);
    expect(status).toMatchObject({ errors: 2, warnings: 1, summary: '2/1', omitted: 1 });
    expect(status.issues.map((i) => i.severity)).toEqual(['Error', 'Error']);
    expect(validationMessage(issues)).toBe(
      '2 errors; first: spec.channel: Chatbot channel and sender must be defined; ' +
        'spec.definition.dialogs[0].elements[1].buttons.message: Button message must not be empty',
    );
  });
});

describe('validationStatus within the status’s byte budget', () => {
  it('lists errors first and as many issues as fit 64 KiB; the rest are counted', () => {
    const long = (severity: 'Error' | 'Warning', i: number) => ({
      severity,
      code: severity === 'Error' ? 'UnknownDialog' : 'UnreachableDialog',
      path: `spec.definition.dialogs[${i}]`,
      message: 'm'.repeat(4000),
      hint: 'h'.repeat(4000),
    });
    const issues = [...Array.from({ length: 30 }, (_, i) => long('Warning', i)), long('Error', 99)];
    const status = validationStatus(issues);
    expect(status.issues[0]!.severity).toBe('Error');
    expect(JSON.stringify(status.issues).length).toBeLessThanOrEqual(STATUS_ISSUE_BYTES + 2);
    expect(status.issues.length + (status.omitted ?? 0)).toBe(31);
    expect(status.omitted).toBeGreaterThan(0);
    expect(status).toMatchObject({ errors: 1, warnings: 30, summary: '1/30' });
  });
});
