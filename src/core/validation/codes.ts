// Every issue code the validator reports, with its severity and what it means. Codes are stable:
// tools and users match on them. Errors block activation; warnings never do.
import type { Issue, Severity } from './types.ts';

/** The platform's own messages (seed: "Chatbot lifecycle" troubleshooting), reported verbatim. */
export const SEED_MESSAGES = {
  ButtonMessageEmpty: 'Button message must not be empty',
  ButtonCaptionEmpty: 'Button caption must not be empty',
  ButtonUrlEmpty: 'Button action URL must not be empty',
  ChannelSenderUndefined: 'Chatbot channel and sender must be defined',
  TrainingPhrasesUnbalanced: 'Number of training phrases in intent higher or lower than others',
  IntentConfusion: 'Incorrect intent is matched',
} as const;

export interface CodeInfo {
  severity: Severity;
  /** What the code means, for docs and `--explain`. */
  description: string;
}

export const ISSUE_CODES = {
  // ---- schema and CEL rules of the CRD (src/api/check.ts)
  SchemaViolation: { severity: 'Error', description: 'The spec does not match the CRD schema.' },
  UnknownField: { severity: 'Error', description: 'A field the CRD schema does not declare.' },
  InvalidDuration: { severity: 'Error', description: 'A grace period or timeout is not a duration.' },
  ScheduleTimeZoneMissing: { severity: 'Error', description: 'A schedule without timeZone.' },
  ScheduleDeactivateBeforeActivate: {
    severity: 'Error',
    description: 'schedule.deactivateAt is not later than schedule.activateAt.',
  },
  DeactivationWithoutActivation: {
    severity: 'Error',
    description: 'A deactivation scheduled on an inactive chatbot without an activation.',
  },
  VerifiedNumberMissing: { severity: 'Error', description: 'A test Sender without verifiedNumber.' },
  AddressNotE164: { severity: 'Error', description: 'A phone-channel Sender address that is not E.164.' },
  CredentialsMissing: {
    severity: 'Error',
    description: 'A WhatsApp Sender without credentialsSecretRef: nothing could be verified or sent.',
  },
  // ---- Senders
  HttpSenderOpen: {
    severity: 'Warning',
    description: 'An Http Sender without credentialsSecretRef: anyone may start conversations on it.',
  },
  // ---- seed errors
  ButtonMessageEmpty: { severity: 'Error', description: 'A buttons element without message text.' },
  ButtonCaptionEmpty: { severity: 'Error', description: 'A button without caption.' },
  ButtonUrlEmpty: { severity: 'Error', description: 'A button with an empty url.' },
  ChannelSenderUndefined: {
    severity: 'Error',
    description: 'No channel, no senderRef, a Sender that does not exist, or a Sender on another channel.',
  },
  SenderNotChecked: {
    severity: 'Warning',
    description: 'The Sender could not be looked up (offline validation without the Sender).',
  },
  // ---- dialogs
  StartDialogMissing: { severity: 'Error', description: 'No startDialog, or no dialogs at all.' },
  UnknownDialog: {
    severity: 'Error',
    description: 'A dialog reference (goTo, startDialog, ...) to no dialog.',
  },
  DuplicateDialog: { severity: 'Error', description: 'Two dialogs with the same name.' },
  UnreachableDialog: {
    severity: 'Warning',
    description: 'A dialog no path from startDialog or fallbackDialog leads to.',
  },
  EmptyDialog: { severity: 'Warning', description: 'A dialog without elements.' },
  // ---- intents
  UnknownIntent: { severity: 'Error', description: 'A route to an intent that is not declared.' },
  DuplicateIntent: { severity: 'Error', description: 'Two intents with the same name.' },
  TooFewTrainingPhrases: { severity: 'Error', description: 'An intent with fewer than 10 distinct phrases.' },
  TooManyTrainingPhrases: { severity: 'Error', description: 'An intent with more than 1000 phrases.' },
  PhraseInSeveralIntents: { severity: 'Error', description: 'The same phrase in two intents.' },
  TrainingPhrasesUnbalanced: {
    severity: 'Warning',
    description: 'An intent with less than half or more than double the median number of phrases.',
  },
  IntentConfusion: {
    severity: 'Warning',
    description: 'A training phrase the matcher, trained without it, matches to another intent.',
  },
  IntentConfusionNotChecked: {
    severity: 'Warning',
    description: 'The intents are too large for the confusion check offline (the operator checks them).',
  },
  IntentConfusionPending: {
    severity: 'Warning',
    description: 'The confusion check runs in the background; its result replaces this warning.',
  },
  IntentTrainingTooLarge: {
    severity: 'Error',
    description: 'More training (phrases x intents) than the runtime serves.',
  },
  // ---- size
  DefinitionTooLarge: {
    severity: 'Error',
    description: 'A definition larger than a Chatbot can hold (its etcd object is at most 1.5 MiB).',
  },
  // ---- channel limits (channel-limits.ts)
  ButtonsTooMany: { severity: 'Error', description: 'More buttons in one message than the channel allows.' },
  ButtonCaptionTooLong: { severity: 'Error', description: 'A caption longer than the channel allows.' },
  MessageTooLong: { severity: 'Error', description: 'A message longer than the channel allows.' },
  ButtonUrlNotHttps: {
    severity: 'Error',
    description: 'A plain http button URL on a channel that needs https.',
  },
  ButtonUrlInvalid: { severity: 'Error', description: 'A button URL that is not an http(s) URL.' },
  // ---- schedule
  InvalidTimeZone: { severity: 'Error', description: 'schedule.timeZone is not an IANA time zone.' },
  InvalidCron: { severity: 'Error', description: 'A window edge that is not a 5-field cron expression.' },
  InvalidWallTime: {
    severity: 'Error',
    description: 'activateAt or deactivateAt is not a real date and time.',
  },
  WallTimeInDstGap: {
    severity: 'Warning',
    description: 'activateAt or deactivateAt falls in a daylight-saving gap and happens later.',
  },
} as const satisfies Record<string, CodeInfo>;

export type IssueCode = keyof typeof ISSUE_CODES;

/** Every code with its severity, in declaration order. */
export const ALL_CODES: readonly { code: IssueCode; severity: Severity; description: string }[] = (
  Object.keys(ISSUE_CODES) as IssueCode[]
).map((code) => ({ code, ...ISSUE_CODES[code] }));

export function severityOf(code: string): Severity | undefined {
  return Object.hasOwn(ISSUE_CODES, code) ? ISSUE_CODES[code as IssueCode].severity : undefined;
}

/** Builds an issue with the code's severity. */
export function issue(code: IssueCode, path: string, message: string, hint: string): Issue {
  return { severity: ISSUE_CODES[code].severity, code, path, message, hint };
}
