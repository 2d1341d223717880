// The contract of the validator: pure, no I/O, never throws on bad input.
import type { Chatbot, Issue, Sender } from '../../api/schema.ts';

export type { Issue };
export type Severity = Issue['severity'];

export interface ValidationContext {
  /**
   * Resolves spec.senderRef.name in the chatbot's namespace.
   * `undefined`: no such Sender. `'unknown'`: the caller could not look (offline CLI without
   * the Sender in its files): the validator then reports a warning instead of an error.
   */
  findSender(name: string): Sender | undefined | 'unknown';
}

/** Validates a Chatbot manifest (possibly malformed: any shape) and returns every issue found. */
export type ValidateChatbot = (chatbot: Chatbot | unknown, context: ValidationContext) => Issue[];
