// The dialog engine, its public API: a chatbot definition executed one inbound message at a time,
// purely (definition, session state, message, now → replies, new state). compileBot once per
// revision, then step once per message. The rules: DESIGN.md "Dialog execution" and step.ts.
export {
  type CompiledBot,
  type CompiledButton,
  type CompiledDialog,
  type CompiledRoute,
  compileBot,
  type Step,
} from './compile.ts';
export { isExpired, isSessionState } from './session.ts';
export { type StepInput, step } from './step.ts';
export { buttonId, MAX_BUTTON_ID, MAX_RENDERED_TEXT, renderTemplate } from './text.ts';
export {
  type Inbound,
  MAX_ELEMENTS_PER_MESSAGE,
  MAX_REPLIES_PER_MESSAGE,
  MAX_STORED_TEXT,
  type Reply,
  type ReplyButton,
  type SessionState,
  type StepFault,
  type StepFaultCode,
  type StepOutcome,
  type StepOutput,
  type Waiting,
} from './types.ts';
