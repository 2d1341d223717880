// The dialog engine's vocabulary: what comes in (one inbound message), what goes out (replies), and
// the session state that is kept between messages (JSON, small: the Redis store keeps it as is).

/** A reply button as sent: a stable `id` (see buttonId), its caption, and a url for a URL button. */
export interface ReplyButton {
  id: string;
  caption: string;
  url?: string;
}

/** One message the bot sends. */
export type Reply = { text: string } | { buttons: { message: string; items: ReplyButton[] } };

/** One message from the end user: free text, or a pressed button (its id or its caption). */
export type Inbound =
  | { text: string }
  | { button: string }
  /** A message the bot cannot read (an image, a location, a reaction...), by its channel type. */
  | { unsupported: string };

/** What a session waits for when a message arrives. */
export type Waiting =
  /** a press of one of the reply buttons of the buttons element at (dialog, element) */
  | 'buttons'
  /** the answer of the userInput element at (dialog, element) */
  | 'userInput'
  /** a message for the route element at (dialog, element) to route */
  | 'route'
  /** nothing more to run: the next message starts again at startDialog (attributes kept) */
  | 'restart';

/**
 * A session between two messages. JSON-serializable and small: the position in the definition,
 * what it waits for, and the attributes. No message is kept: whatever the session waits for, the
 * next message decides what is held (see step.ts), so a held message never outlives its step.
 */
export interface SessionState {
  /** Format version; a state of another version is not resumed (a new session starts). */
  v: 1;
  /** Dialog and element index the session stopped at. */
  dialog: string;
  element: number;
  waiting: Waiting;
  /** Session attributes: userInput answers (saveAs) and the attributes seeded at the start. */
  attributes: Record<string, string>;
  /** Handed over to a human: the bot no longer answers this session. */
  handedOff: boolean;
  /** The agent queue of the toAgent element that handed the session over. */
  queue?: string;
  /** When the session started and when its last message arrived (ms since the epoch). */
  startedAt: number;
  lastActivityAt: number;
}

/**
 * How one message was handled (one label, for metrics and logs; the flags of StepOutput carry the
 * session's fate):
 * - `replied`: handled; the session waits for the next message (the replies may be empty, e.g. a
 *   userInput that saved its answer and a route that waits for another message).
 * - `handedOff`: a toAgent element handed the session over to a human with this message.
 * - `closed`: a closeSession element ended the session.
 * - `ignored`: the session was handed off earlier; the bot does not answer.
 * - `loopLimit`: the definition loops without waiting (or is longer than the element bound): the
 *   engine stopped; the session waits and the next message starts again at startDialog.
 * - `brokenDefinition`: the definition has a fault (see StepOutput.faults): no definition, an
 *   unknown dialog, an empty dialog, an element of no known kind, intents that could not be trained.
 */
export type StepOutcome = 'replied' | 'handedOff' | 'closed' | 'ignored' | 'loopLimit' | 'brokenDefinition';

export type StepFaultCode =
  /** The bot has no definition, or no dialogs. */
  | 'NoDefinition'
  /** A goTo, button, route or startDialog names a dialog that does not exist. */
  | 'UnknownDialog'
  /** A dialog with no elements was entered. */
  | 'EmptyDialog'
  /** An element with none of the known element kinds (skipped). */
  | 'UnknownElement'
  /** The intent matcher could not be trained; routes match keywords only. */
  | 'IntentMatcherFailed'
  /** A dialog was entered a second time in the same state: the definition loops without waiting. */
  | 'Loop'
  /** More elements than the per-message bound ran for one message. */
  | 'ElementLimit'
  /** More replies than the per-message bound: the ones after it were not sent. */
  | 'ReplyLimit'
  /** The stored state was not a session state of this engine, or its position no longer fits. */
  | 'InvalidState';

/** A problem met while handling a message: the engine never throws, it reports. */
export interface StepFault {
  code: StepFaultCode;
  /** Where it happened, when it happened at an element. */
  dialog?: string;
  element?: number;
  /** The dialog name that was asked for (UnknownDialog, EmptyDialog). */
  target?: string;
}

export interface StepOutput {
  /** What to send, in order. */
  replies: Reply[];
  /** The session after the message; undefined when it is closed. */
  state: SessionState | undefined;
  /** A new session began with this message (none was open, the last one expired or was closed). */
  started: boolean;
  /** The session this message belonged to had been idle longer than the session timeout. */
  expired: boolean;
  /** The session ended with this message. */
  closed: boolean;
  /** The session is handed over to a human (by this message or earlier). */
  handedOff: boolean;
  /** The agent queue, when handed off by a toAgent with a queue. */
  queue?: string;
  outcome: StepOutcome;
  faults: StepFault[];
  /** Elements executed for this message. */
  elements: number;
}

/** The bound on elements executed for one message. */
export const MAX_ELEMENTS_PER_MESSAGE = 500;

/**
 * The most replies one inbound message produces (each at most MAX_RENDERED_TEXT long): a definition
 * of hundreds of texts in a row answers with the first ones, never floods the end user (and
 * WhatsApp's pair rate limit) with hundreds of messages.
 */
export const MAX_REPLIES_PER_MESSAGE = 10;

/** The longest attribute value kept in session state, in UTF-16 units (longer answers are cut). */
export const MAX_STORED_TEXT = 4096;
