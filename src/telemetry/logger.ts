// JSON logs (pino): one line per decision, with namespace/name/generation/reason; never message
// text, tokens or phone numbers in clear.
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export function makeLogger(level = process.env.LOG_LEVEL ?? 'info', name = 'chatbot-operator'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
