// CEL rules of the CRDs, each with a TypeScript twin so that the offline validator
// (`chatbot validate`) reports exactly what the API server would reject.
export interface CelRule<T> {
  /** Stable code reported by the offline validator. */
  code: string;
  /** CEL expression, evaluated by the API server with `self` bound to the node. */
  rule: string;
  message: string;
  /** Optional field path (relative to the node) the API server reports the error at. */
  fieldPath?: string;
  /** The same rule in TypeScript: true when the node is acceptable. */
  check: (self: T) => boolean;
}

const DURATION_RE = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
export const DURATION_PATTERN = DURATION_RE.source;

/** A Go duration string such as 30s, 15m or 1h30m (what CEL `duration()` accepts). */
export const durationRule: CelRule<string> = {
  code: 'InvalidDuration',
  rule: `self.matches('${DURATION_PATTERN.replaceAll('\\', '\\\\')}')`,
  message: 'must be a duration such as 0s, 30s, 15m or 1h30m',
  check: (self) => DURATION_RE.test(self),
};

/** Local wall time "YYYY-MM-DDTHH:MM[:SS]" with seconds made explicit, so strings compare in time order. */
export function normalizeWallTime(s: string): string {
  return s.length === 16 ? `${s}:00` : s;
}
const celWall = (f: string) => `(size(self.${f}) == 16 ? self.${f} + ':00' : self.${f})`;

interface ScheduleLike {
  timeZone?: string;
  activateAt?: string;
  deactivateAt?: string;
  windows?: unknown[];
}

export const scheduleRules: CelRule<ScheduleLike>[] = [
  {
    code: 'ScheduleTimeZoneMissing',
    rule: 'has(self.timeZone)',
    message: 'timeZone is required when a schedule is set (an IANA name such as Europe/Zagreb)',
    fieldPath: '.timeZone',
    check: (s) => typeof s.timeZone === 'string' && s.timeZone.length > 0,
  },
  {
    code: 'ScheduleDeactivateBeforeActivate',
    rule: `!has(self.activateAt) || !has(self.deactivateAt) || ${celWall('deactivateAt')} > ${celWall('activateAt')}`,
    message: 'deactivateAt must be later than activateAt',
    fieldPath: '.deactivateAt',
    check: (s) =>
      s.activateAt === undefined ||
      s.deactivateAt === undefined ||
      normalizeWallTime(s.deactivateAt) > normalizeWallTime(s.activateAt),
  },
];

interface ChatbotSpecLike {
  state?: string;
  schedule?: ScheduleLike;
}

export const chatbotSpecRules: CelRule<ChatbotSpecLike>[] = [
  {
    code: 'DeactivationWithoutActivation',
    rule:
      "!has(self.schedule) || !has(self.schedule.deactivateAt) || self.state == 'Active' || " +
      'has(self.schedule.activateAt) || (has(self.schedule.windows) && size(self.schedule.windows) > 0)',
    message:
      'schedule.deactivateAt on an inactive chatbot needs schedule.activateAt (or windows): ' +
      'a deactivation can only be scheduled together with an activation',
    fieldPath: '.schedule.deactivateAt',
    check: (s) =>
      s.schedule?.deactivateAt === undefined ||
      s.state === 'Active' ||
      s.schedule.activateAt !== undefined ||
      (s.schedule.windows?.length ?? 0) > 0,
  },
];

interface SenderSpecLike {
  channel?: string;
  address?: string;
  test?: boolean;
  verifiedNumber?: string;
  credentialsSecretRef?: { name?: string };
}

const E164_RE = /^\+[1-9][0-9]{6,14}$/;
export const E164_PATTERN = E164_RE.source;
export const PHONE_CHANNELS = ['WhatsApp', 'SMS', 'Viber'] as const;

export const senderSpecRules: CelRule<SenderSpecLike>[] = [
  {
    code: 'VerifiedNumberMissing',
    rule: '!has(self.test) || !self.test || has(self.verifiedNumber)',
    message: 'verifiedNumber is required for a test sender: only that number may talk to its chatbot',
    fieldPath: '.verifiedNumber',
    check: (s) => s.test !== true || s.verifiedNumber !== undefined,
  },
  {
    code: 'AddressNotE164',
    rule: `!(self.channel in ['WhatsApp', 'SMS', 'Viber']) || self.address.matches('${E164_PATTERN.replaceAll('\\', '\\\\')}')`,
    message:
      'address must be an E.164 phone number such as +385911234567 for WhatsApp, SMS and Viber senders',
    fieldPath: '.address',
    check: (s) =>
      !(PHONE_CHANNELS as readonly string[]).includes(s.channel ?? '') || E164_RE.test(s.address ?? ''),
  },
  {
    code: 'CredentialsMissing',
    rule: "self.channel != 'WhatsApp' || has(self.credentialsSecretRef)",
    message:
      'a WhatsApp Sender needs credentialsSecretRef: its Secret’s appSecret verifies Meta’s webhooks and its ' +
      'accessToken and phoneNumberId send the replies',
    fieldPath: '.credentialsSecretRef',
    check: (s) => s.channel !== 'WhatsApp' || s.credentialsSecretRef !== undefined,
  },
];

/** The `x-kubernetes-validations` form of a rule list. */
export function toValidations(
  rules: CelRule<never>[],
): { rule: string; message: string; fieldPath?: string }[] {
  return rules.map((r) => ({
    rule: r.rule,
    message: r.message,
    ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}),
  }));
}
