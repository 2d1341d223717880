// The validator: pure, synchronous, total. It never throws and never reads the clock, the network or
// the disk; the same manifest (and Sender lookup) always gives the same list of issues, sorted by path
// (array indexes in numeric order) and then code.
import { checkJsonSpec, toJson } from '../../api/check.ts';
import { checkButtons } from './buttons.ts';
import { checkChannelLimits } from './channel-limits.ts';
import { checkChannelSender } from './channel-sender.ts';
import { issue } from './codes.ts';
import { checkDialogs } from './dialogs.ts';
import { type ConfusionLimits, checkIntents } from './intents.ts';
import { isRecord } from './read.ts';
import { checkSchedule } from './schedule.ts';
import type { Issue, ValidateChatbot, ValidationContext } from './types.ts';

export { CHANNEL_LIMITS, type ChannelLimits } from './channel-limits.ts';
export { ALL_CODES, ISSUE_CODES, type IssueCode, SEED_MESSAGES, severityOf } from './codes.ts';
export {
  MAX_TRAINING_PHRASES,
  MAX_TRAINING_WORK,
  MIN_TRAINING_PHRASES,
  UNBALANCED_FACTOR,
} from './intents.ts';
export {
  type IssueSummary,
  STATUS_ISSUE_BYTES,
  STATUS_ISSUE_LIMIT,
  summarize,
  type ValidationStatus,
  validationMessage,
  validationStatus,
} from './status.ts';
export type { Issue, Severity, ValidateChatbot, ValidationContext } from './types.ts';

/**
 * These issues say more than the generic schema error at the same place ("Button caption must not be
 * empty" rather than "caption is required", the channel's limit rather than the schema's maxLength),
 * so that schema error is left out.
 */
const SUPERSEDE_SCHEMA = new Set([
  'ButtonMessageEmpty',
  'ButtonCaptionEmpty',
  'ButtonUrlEmpty',
  'ChannelSenderUndefined',
  'TooFewTrainingPhrases',
  'TooManyTrainingPhrases',
  'MessageTooLong',
  'ButtonCaptionTooLong',
]);

type Segment = string | number;

/** `spec.a[2]["b.c"]` -> ['spec', 'a', 2, 'b.c']. */
export function pathSegments(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\[([0-9]+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) {
      try {
        out.push(String(JSON.parse(m[2])));
      } catch {
        out.push(m[2]);
      }
    } else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** Orders paths segment by segment: indexes numerically, names by code unit, a parent before its children. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  const sa = pathSegments(a);
  const sb = pathSegments(b);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return sa.length - sb.length || (a < b ? -1 : 1);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The validator's order: by path, then code, then message. */
export function compareIssues(a: Issue, b: Issue): number {
  return comparePaths(a.path, b.path) || cmp(a.code, b.code) || cmp(a.message, b.message);
}

// The limits of status.validation.issues[] in the CRD: an issue must fit to be written to status.
const MAX_PATH = 1024;
const MAX_TEXT = 4096;
const clamp = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function finish(issues: Issue[]): Issue[] {
  const superseding = new Set(issues.filter((i) => SUPERSEDE_SCHEMA.has(i.code)).map((i) => i.path));
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const i of issues) {
    if (i.code === 'SchemaViolation' && superseding.has(i.path)) continue;
    const key = `${i.code}\u0000${i.path}\u0000${i.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      severity: i.severity,
      code: i.code,
      path: clamp(i.path, MAX_PATH),
      message: clamp(i.message, MAX_TEXT),
      hint: clamp(i.hint ?? '', MAX_TEXT),
    });
  }
  return out.sort(compareIssues);
}

function readSpec(manifest: unknown): { ok: true; spec: unknown } | { ok: false; issue: Issue } {
  try {
    const doc = toJson(manifest);
    return { ok: true, spec: isRecord(doc) ? doc.spec : undefined };
  } catch (e) {
    return {
      ok: false,
      issue: issue(
        'SchemaViolation',
        'spec',
        `The manifest could not be read: ${e instanceof Error ? e.message : String(e)}`,
        'Pass the manifest as plain data (parsed YAML or JSON).',
      ),
    };
  }
}

function confusionLimits(context: ValidationContext): ConfusionLimits {
  try {
    const limits = isRecord(context) ? context.intentConfusion : undefined;
    const report = isRecord(context) ? context.confusionReport : undefined;
    return {
      ...(isRecord(limits) ? limits : {}),
      ...(typeof report === 'function' ? { report: report.bind(context) } : {}),
    };
  } catch {
    return {};
  }
}

/** The most bytes of JSON a definition may take: a Chatbot (definition, the rest of the spec, its
 * status) must fit etcd's 1.5 MiB object, and its ControllerRevision holds the definition again. */
export const DEFINITION_MAX_BYTES = 1024 * 1024;

/** UTF-8 bytes of a string, without encoding it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function checkSize(spec: Record<string, unknown>): Issue[] {
  if (spec.definition === undefined) return [];
  const bytes = utf8Length(JSON.stringify(spec.definition) ?? '');
  if (bytes <= DEFINITION_MAX_BYTES) return [];
  return [
    issue(
      'DefinitionTooLarge',
      'spec.definition',
      `The definition is ${bytes.toLocaleString('en')} bytes of JSON; at most ${DEFINITION_MAX_BYTES.toLocaleString('en')} are allowed`,
      'Split the chatbot into several, or remove dialogs and training phrases it does not need.',
    ),
  ];
}

/** Validates a Chatbot manifest of any shape; see ISSUE_CODES for what is reported. Never throws. */
export const validateChatbot: ValidateChatbot = (chatbot: unknown, context: ValidationContext): Issue[] => {
  const read = readSpec(chatbot);
  if (!read.ok) return [read.issue];
  const { spec } = read;
  // The spec is our own JSON copy: the schema check prunes unknown fields from it, and the semantic
  // checks then see what the API server would store.
  const issues = checkJsonSpec('Chatbot', spec);
  if (isRecord(spec)) {
    const tooLarge = checkSize(spec);
    // A definition too large for the cluster is not checked further: the other checks cost with its size.
    if (tooLarge.length > 0)
      return finish([...issues.filter((i) => !i.path.startsWith('spec.definition')), ...tooLarge]);
    issues.push(
      ...checkChannelSender(spec, context),
      ...checkDialogs(spec),
      ...checkButtons(spec),
      ...checkChannelLimits(spec),
      ...checkIntents(spec, confusionLimits(context)),
      ...checkSchedule(spec),
    );
  }
  return finish(issues);
};

/** Validates a Sender manifest of any shape: its schema and CEL rules, and who could talk on it. Never throws. */
export function validateSender(sender: unknown): Issue[] {
  const read = readSpec(sender);
  if (!read.ok) return [read.issue];
  const issues = checkJsonSpec('Sender', read.spec);
  const spec = read.spec;
  if (isRecord(spec) && spec.channel === 'Http' && spec.credentialsSecretRef === undefined) {
    issues.push(
      issue(
        'HttpSenderOpen',
        'spec.credentialsSecretRef',
        'This Http Sender has no credentials: anyone who knows its address may start conversations on it',
        'Add credentialsSecretRef.name: a Secret in this namespace with a `token` that callers send as a bearer token.',
      ),
    );
  }
  return finish(issues);
}
