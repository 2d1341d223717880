// Session state between messages: its shape check (a stored state may come from another version
// or be damaged), the idle timeout, and attribute updates.

import { truncate } from './text.ts';
import { MAX_STORED_TEXT, type SessionState, type Waiting } from './types.ts';

const WAITING: readonly Waiting[] = ['buttons', 'userInput', 'route', 'restart'];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a value (e.g. parsed from the session store) is a session state this engine resumes. */
export function isSessionState(value: unknown): value is SessionState {
  if (!isRecord(value)) return false;
  const s = value;
  return (
    s.v === 1 &&
    typeof s.dialog === 'string' &&
    Number.isSafeInteger(s.element) &&
    (s.element as number) >= 0 &&
    WAITING.includes(s.waiting as Waiting) &&
    isRecord(s.attributes) &&
    Object.values(s.attributes).every((a) => typeof a === 'string') &&
    typeof s.handedOff === 'boolean' &&
    (s.queue === undefined || typeof s.queue === 'string') &&
    Number.isFinite(s.startedAt) &&
    Number.isFinite(s.lastActivityAt)
  );
}

/**
 * Whether the session has been idle for sessionTimeoutMs or longer at `now`. A timeout that is not
 * a positive finite number (0s, a negative or missing value) means sessions never expire by idling.
 */
export function isExpired(state: SessionState, now: number, sessionTimeoutMs: number): boolean {
  if (!(sessionTimeoutMs > 0) || !Number.isFinite(sessionTimeoutMs)) return false;
  return now - state.lastActivityAt >= sessionTimeoutMs;
}

/** The attributes with one more (or a replaced) value; any key, `__proto__` included, is data. */
export function withAttribute(
  attributes: Readonly<Record<string, string>>,
  key: string,
  value: string,
): Record<string, string> {
  const out = Object.fromEntries(Object.entries(attributes));
  Object.defineProperty(out, key, {
    value: truncate(value, MAX_STORED_TEXT),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return out;
}

/** The attributes a new session starts with: the string values of the seed, cut to size. */
export function seedAttributes(seed: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  let out: Record<string, string> = {};
  if (!isRecord(seed)) return out;
  for (const [k, v] of Object.entries(seed)) if (typeof v === 'string') out = withAttribute(out, k, v);
  return out;
}
