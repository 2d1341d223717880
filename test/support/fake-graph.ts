// A local fake of Meta's Graph API for the WhatsApp Cloud API's send endpoint, for tests and the
// demo: `POST /:version/:phoneNumberId/messages` on 127.0.0.1 (port 0).
// - Records every request (headers, raw and parsed body, status, response).
// - Checks `Authorization: Bearer <token>` against the token configured for the phoneNumberId:
//   missing or wrong gives Meta's OAuthException (code 190) with HTTP 401.
// - Validates each payload against Meta's documented shape and limits (reference sections 4,
//   S5/S6/S7/S14): an invalid one gets code 100 (131051 for an unsupported message type) with
//   HTTP 400 and is recorded with `rejectedBecause`: a test asserts `fake.rejected()` is empty.
//   Lengths are Unicode code points (as the validator counts). Stricter than Meta on two points,
//   to guard our sender: `to` must start with "+" (Meta would prepend the business number's
//   country code, which can reach the wrong person), and unknown top-level fields are refused.
//   A list body is capped at 1024 (Meta's page says 4096, the older SDK docs 1024).
// - Answers like Meta: `{messaging_product, contacts:[{input, wa_id}], messages:[{id:'wamid.…'}]}`,
//   or a scripted failure in Meta's error shape. Meta does not document the HTTP status per code:
//   the fake answers 429 for 130429 and 400 for every other code (190: 401), unless a failure
//   gives its own status; the sender must go by `error.code` either way.
// - Mark-as-read / typing indicator bodies (`status: 'read'`) are answered `{success: true}`.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A scripted failure: a Meta error code (with an optional HTTP status), or a dropped connection. */
export type ScriptedFailure = number | { code: number; status?: number; details?: string } | 'disconnect';

export interface GraphRequest {
  method: string;
  path: string;
  version?: string;
  phoneNumberId?: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** The parsed JSON body (undefined when it did not parse). */
  body: unknown;
  /** The recipient as sent (`to`, or `recipient` for a BSUID). */
  to?: string;
  status: number;
  response: unknown;
  /** Why the payload (or its auth, route, content type) was refused: a bug in the caller. */
  rejectedBecause?: string;
  /** The scripted failure answered (a Meta code, or 'disconnect'). */
  failedWith?: number | 'disconnect';
  /** The wamid given when accepted. */
  messageId?: string;
}

export interface FakeGraphOptions {
  /** phoneNumberId -> the access token it accepts. */
  tokens: Record<string, string>;
  /** The version segment of `url`. Default v23.0. */
  version?: string;
}

const MESSAGES: Record<number, [string, string]> = {
  1: ['An unknown error occurred', 'An unknown error occurred.'],
  2: ['Service temporarily unavailable', 'The service is temporarily unavailable.'],
  100: ['(#100) Invalid parameter', 'Invalid parameter'],
  190: ['Invalid OAuth access token - Cannot parse access token', 'Invalid OAuth access token'],
  130429: ['(#130429) Rate limit hit', 'Cloud API message throughput has been reached.'],
  131000: ['(#131000) Something went wrong', 'Something went wrong.'],
  131026: ['(#131026) Message undeliverable', 'Message undeliverable.'],
  131047: [
    '(#131047) Re-engagement message',
    'More than 24 hours have passed since the recipient last replied to the sender number.',
  ],
  131051: ['(#131051) Unsupported message type', 'Unsupported message type.'],
  131056: [
    '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
  ],
};

export function metaError(code: number, details?: string) {
  const [message, defaultDetails] = MESSAGES[code] ?? [`(#${code}) Error`, `Error ${code}.`];
  return {
    error: {
      message,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: details ?? defaultDetails },
      fbtrace_id: randomBytes(12).toString('base64url'),
    },
  };
}

function defaultStatus(code: number): number {
  return code === 190 ? 401 : code === 130429 ? 429 : 400;
}

const chars = (s: string) => Array.from(s).length;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const BSUID = /^[A-Za-z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/** A string of 1..max code points, else the reason. */
function str(v: unknown, max: number, what: string, min = 1): string | undefined {
  if (typeof v !== 'string') return `${what} must be a string`;
  const n = chars(v);
  if (n < min) return `${what} is empty`;
  if (n > max) return `${what} has ${n} characters, more than ${max}`;
  return undefined;
}

function unique(values: string[], what: string): string | undefined {
  return new Set(values).size === values.length ? undefined : `${what} must be unique`;
}

/** Digits of a phone number in any notation; a BSUID as it is. */
export function recipientKey(to: string): string {
  return BSUID.test(to.trim()) ? to.trim() : to.replace(/\D/g, '');
}

const TOP = new Set([
  'messaging_product',
  'recipient_type',
  'to',
  'recipient',
  'type',
  'text',
  'interactive',
  'context',
  'biz_opaque_callback_data',
]);

/** Why a send body does not fit Meta's documented shape (code 100 or 131051), or undefined. */
export function validateMessage(b: unknown): { code: number; reason: string } | undefined {
  const bad = (reason: string) => ({ code: 100, reason });
  if (!isObj(b)) return bad('the body is not a JSON object');
  if (b.messaging_product !== 'whatsapp') return bad('messaging_product must be "whatsapp"');
  const extra = Object.keys(b).filter((k) => !TOP.has(k));
  if (extra.length) return bad(`unknown fields ${extra.join(', ')}`);
  if (b.recipient_type !== undefined && b.recipient_type !== 'individual')
    return bad('recipient_type must be "individual"');
  if (b.to === undefined && b.recipient === undefined) return bad('to (or recipient) is missing');
  if (b.to !== undefined) {
    if (typeof b.to !== 'string' || !/^\+[\d\s\-()]+$/.test(b.to)) return bad('to must be "+" and digits');
    const digits = b.to.replace(/\D/g, '').length;
    if (digits < 5 || digits > 20) return bad('to has not the digits of a phone number');
  }
  if (b.recipient !== undefined && (typeof b.recipient !== 'string' || !BSUID.test(b.recipient)))
    return bad('recipient must be a business-scoped user id');
  if (b.type === 'text') {
    if (!isObj(b.text)) return bad('text is missing');
    if (b.text.preview_url !== undefined && typeof b.text.preview_url !== 'boolean')
      return bad('text.preview_url must be a boolean');
    const r = str(b.text.body, 4096, 'text.body');
    return r ? bad(r) : undefined;
  }
  if (b.type !== 'interactive') return { code: 131051, reason: `unsupported message type ${String(b.type)}` };
  const i = b.interactive;
  if (!isObj(i)) return bad('interactive is missing');
  if (!isObj(i.body)) return bad('interactive.body is missing');
  const action = i.action;
  if (!isObj(action)) return bad('interactive.action is missing');
  const r = (v: string | undefined) => (v ? bad(v) : undefined);
  switch (i.type) {
    case 'button': {
      const bodyIssue = str(i.body.text, 1024, 'interactive.body.text');
      if (bodyIssue) return bad(bodyIssue);
      const buttons = action.buttons;
      if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
        return bad('action.buttons must hold 1 to 3 buttons');
      const ids: string[] = [];
      const titles: string[] = [];
      for (const btn of buttons) {
        if (!isObj(btn) || btn.type !== 'reply' || !isObj(btn.reply))
          return bad('a button is not a reply button');
        const issue = str(btn.reply.id, 256, 'reply.id') ?? str(btn.reply.title, 20, 'reply.title');
        if (issue) return bad(issue);
        ids.push(btn.reply.id as string);
        titles.push(btn.reply.title as string);
      }
      return r(unique(ids, 'reply.id') ?? unique(titles, 'reply.title'));
    }
    case 'cta_url': {
      const issue =
        str(i.body.text, 1024, 'interactive.body.text') ??
        (action.name !== 'cta_url' ? 'action.name must be "cta_url"' : undefined) ??
        (!isObj(action.parameters) ? 'action.parameters is missing' : undefined);
      if (issue) return bad(issue);
      const p = action.parameters as Record<string, unknown>;
      const textIssue = str(p.display_text, 20, 'parameters.display_text');
      if (textIssue) return bad(textIssue);
      if (typeof p.url !== 'string' || !URL.canParse(p.url) || !/^https?:$/.test(new URL(p.url).protocol))
        return bad('parameters.url must be an http(s) URL');
      return undefined;
    }
    case 'list': {
      const issue =
        str(i.body.text, 1024, 'interactive.body.text') ?? str(action.button, 20, 'action.button');
      if (issue) return bad(issue);
      const sections = action.sections;
      if (!Array.isArray(sections) || sections.length < 1 || sections.length > 10)
        return bad('action.sections must hold 1 to 10 sections');
      const ids: string[] = [];
      for (const s of sections) {
        if (!isObj(s) || !Array.isArray(s.rows)) return bad('a section has no rows');
        if (s.title !== undefined || sections.length > 1) {
          const t = str(s.title, 24, 'section title');
          if (t) return bad(t);
        }
        for (const row of s.rows) {
          if (!isObj(row)) return bad('a row is not an object');
          const rowIssue =
            str(row.id, 200, 'row id') ??
            str(row.title, 24, 'row title') ??
            (row.description !== undefined ? str(row.description, 72, 'row description', 0) : undefined);
          if (rowIssue) return bad(rowIssue);
          ids.push(row.id as string);
        }
      }
      if (ids.length < 1 || ids.length > 10) return bad('a list holds 1 to 10 rows in all');
      return r(unique(ids, 'row id'));
    }
    default:
      return bad(`unsupported interactive type ${String(i.type)}`);
  }
}

export interface FakeGraph {
  /** Base URL including the version segment, e.g. http://127.0.0.1:PORT/v23.0. */
  readonly url: string;
  readonly version: string;
  /** Every request, accepted or not, in arrival order. */
  readonly requests: GraphRequest[];
  /** Accepted send requests (status 200, not a mark-as-read). */
  accepted(): GraphRequest[];
  /** Requests refused as malformed or unauthorized (a bug in the caller). */
  rejected(): GraphRequest[];
  /** Accepted message bodies sent to this recipient (phone numbers compared by digits). */
  messagesTo(to: string): Record<string, unknown>[];
  /** The next requests to this number fail with these codes, one per request, in order. */
  failNext(phoneNumberId: string, failures: ScriptedFailure[]): void;
  /** Requests to this recipient fail with this failure, `times` times (default: until cleared). */
  failFor(to: string, failure: ScriptedFailure, times?: number): void;
  /** Forgets scripted failures (not the recorded requests). */
  clearFailures(): void;
  /** Resolves with the first request (already recorded or still to come) that matches. */
  waitFor(predicate: (r: GraphRequest) => boolean, timeoutMs?: number): Promise<GraphRequest>;
  close(): Promise<void>;
}

export async function startFakeGraph(options: FakeGraphOptions): Promise<FakeGraph> {
  const version = options.version ?? 'v23.0';
  const requests: GraphRequest[] = [];
  const next = new Map<string, ScriptedFailure[]>();
  const perRecipient = new Map<string, { failure: ScriptedFailure; times: number }>();
  const waiters = new Set<{ predicate: (r: GraphRequest) => boolean; resolve: (r: GraphRequest) => void }>();

  const record = (r: GraphRequest) => {
    requests.push(r);
    for (const w of waiters) {
      if (w.predicate(r)) {
        waiters.delete(w);
        w.resolve(r);
      }
    }
  };

  const scripted = (phoneNumberId: string, to: string | undefined): ScriptedFailure | undefined => {
    const queue = next.get(phoneNumberId);
    if (queue?.length) return queue.shift();
    const key = to === undefined ? undefined : recipientKey(to);
    const entry = key === undefined ? undefined : perRecipient.get(key);
    if (!entry) return undefined;
    entry.times -= 1;
    if (entry.times <= 0) perRecipient.delete(key!);
    return entry.failure;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = (req.url ?? '').split('?')[0]!;
    const base: GraphRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      raw,
      body: undefined,
      status: 0,
      response: undefined,
    };
    const answer = (status: number, response: unknown, extra: Partial<GraphRequest> = {}) => {
      const r = { ...base, ...extra, status, response };
      record(r);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(response));
    };
    const m = /^\/([^/]+)\/([^/]+)\/messages$/.exec(path);
    if (req.method !== 'POST' || !m || m[1] !== version) {
      return answer(400, metaError(100, 'Unsupported request'), {
        rejectedBecause: `no such route ${req.method} ${path}`,
      });
    }
    const phoneNumberId = decodeURIComponent(m[2]!);
    base.version = m[1];
    base.phoneNumberId = phoneNumberId;
    try {
      base.body = JSON.parse(raw);
    } catch {
      return answer(400, metaError(100, 'The request body is not JSON'), {
        rejectedBecause: 'body is not JSON',
      });
    }
    if (isObj(base.body)) {
      const to = base.body.to ?? base.body.recipient;
      if (typeof to === 'string') base.to = to;
    }
    const token = options.tokens[phoneNumberId];
    const auth = req.headers.authorization;
    if (token === undefined || auth !== `Bearer ${token}`) {
      return answer(401, metaError(190), {
        rejectedBecause: auth ? 'wrong bearer token' : 'no bearer token',
      });
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return answer(400, metaError(100, 'Content-Type must be application/json'), {
        rejectedBecause: 'content-type is not application/json',
      });
    }
    const body = base.body as Record<string, unknown>;
    if (isObj(body) && body.status === 'read') {
      if (body.messaging_product !== 'whatsapp' || typeof body.message_id !== 'string')
        return answer(400, metaError(100), {
          rejectedBecause: 'mark-as-read needs messaging_product and message_id',
        });
      return answer(200, { success: true });
    }
    const invalid = validateMessage(body);
    if (invalid) {
      return answer(400, metaError(invalid.code, invalid.reason), { rejectedBecause: invalid.reason });
    }
    const failure = scripted(phoneNumberId, base.to);
    if (failure === 'disconnect') {
      record({ ...base, status: 0, response: undefined, failedWith: 'disconnect' });
      req.socket.destroy();
      return;
    }
    if (failure !== undefined) {
      const f = typeof failure === 'number' ? { code: failure } : failure;
      return answer(f.status ?? defaultStatus(f.code), metaError(f.code, f.details), { failedWith: f.code });
    }
    const to = base.to!;
    const messageId = `wamid.${randomBytes(30).toString('base64')}`;
    return answer(
      200,
      {
        messaging_product: 'whatsapp',
        contacts: [
          body.recipient !== undefined && body.to === undefined
            ? { input: to, user_id: to }
            : { input: to, wa_id: to.replace(/\D/g, '') },
        ],
        messages: [{ id: messageId }],
      },
      { messageId },
    );
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const isSend = (r: GraphRequest) => !(isObj(r.body) && r.body.status === 'read');

  return {
    url: `http://127.0.0.1:${port}/${version}`,
    version,
    requests,
    accepted: () => requests.filter((r) => r.status === 200 && isSend(r)),
    rejected: () => requests.filter((r) => r.rejectedBecause !== undefined),
    messagesTo: (to) =>
      requests
        .filter(
          (r) =>
            r.status === 200 && isSend(r) && r.to !== undefined && recipientKey(r.to) === recipientKey(to),
        )
        .map((r) => r.body as Record<string, unknown>),
    failNext: (phoneNumberId, failures) => {
      next.set(phoneNumberId, [...(next.get(phoneNumberId) ?? []), ...failures]);
    },
    failFor: (to, failure, times = Number.POSITIVE_INFINITY) => {
      perRecipient.set(recipientKey(to), { failure, times });
    },
    clearFailures: () => {
      next.clear();
      perRecipient.clear();
    },
    waitFor: (predicate, timeoutMs = 5_000) => {
      const found = requests.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = {
          predicate,
          resolve: (r: GraphRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`fake Graph API: no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
