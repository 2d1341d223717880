#!/usr/bin/env node
// The runtime's entry point: flags and env, the real clock, the session store, signals.
import { RealClock } from '../kube/clock.ts';
import { Flags } from '../telemetry/flags.ts';
import { makeLogger } from '../telemetry/logger.ts';
import { runUntilSignalled } from '../telemetry/process.ts';
import { MIN_SESSION_KEY_LENGTH } from './keys.ts';
import {
  DEFAULT_PER_CLIENT_LIMIT,
  DEFAULT_PER_USER_LIMIT,
  DEFAULT_WHATSAPP_API_URL,
  Runtime,
} from './runtime.ts';
import { createSessionStore } from './sessions/index.ts';

const USAGE = `chatbot-runtime [flags]
  --kubeconfig PATH          kubeconfig (env KUBECONFIG; default: in-cluster, then ~/.kube/config)
  --host HOST                address of the channels (env RUNTIME_HOST; default 127.0.0.1; 0.0.0.0 in a Pod)
  --port PORT                port of the channels (env RUNTIME_PORT; default 8080; 0 = any free port)
  --health-port PORT         /healthz, /readyz, /metrics (env HEALTH_PORT; default 8082; 0 = any free port)
  --health-host HOST         address of the health server (env HEALTH_HOST; default 127.0.0.1)
  --session-store KIND       memory (one replica) or redis (several) (env SESSION_STORE; default memory)
  --redis-url URL            redis://host:port/db for --session-store redis (env REDIS_URL)
  --whatsapp-api-url URL     Graph API base with its version (env WHATSAPP_API_URL; default https://graph.facebook.com/v23.0)
  --whatsapp-max-age SECONDS WhatsApp messages older than this are not answered (env WHATSAPP_MAX_AGE; default 86400)
  --user-rate BURST/PER_SEC  messages one end user may send: a burst, then so many per second
                             (env USER_RATE; default 10/1); the others are never slowed
  --client-rate BURST/PER_SEC Http requests per client address without a bearer token
                             (env CLIENT_RATE; default 60/2)
  --namespaces a,b           namespaces to watch (env WATCH_NAMESPACES; default: all)
  (env SESSION_KEY)          the key of conversation keys, message-id markers and Http conversation
                             tokens: the same secret on every replica (required with redis; default
                             with memory: a random key per process)
  --pod-namespace NS         the operator's namespace, where sender Leases live (env POD_NAMESPACE; default chatbot-system)
  --log-level LEVEL          pino level (env LOG_LEVEL; default info)`;

const flags: Flags = new Flags('chatbot-runtime', USAGE);
const values = flags.parse([
  'kubeconfig',
  'host',
  'port',
  'health-port',
  'health-host',
  'session-store',
  'redis-url',
  'whatsapp-api-url',
  'whatsapp-max-age',
  'user-rate',
  'client-rate',
  'namespaces',
  'pod-namespace',
  'log-level',
] as const);

const port = flags.num(values.port ?? process.env.RUNTIME_PORT, 8080, 'port');
const healthPort = flags.num(values['health-port'] ?? process.env.HEALTH_PORT, 8082, 'health-port');
const storeKind = flags.oneOf(
  values['session-store'] ?? process.env.SESSION_STORE,
  ['memory', 'redis'] as const,
  'memory',
  'session-store',
);
const redisUrl = values['redis-url'] ?? process.env.REDIS_URL;
if (storeKind === 'redis' && !redisUrl) flags.fail('--session-store redis needs --redis-url (or REDIS_URL)');
const sessionKey = process.env.SESSION_KEY || undefined;
if (storeKind === 'redis' && !sessionKey)
  flags.fail(
    '--session-store redis needs SESSION_KEY: a secret shared by every replica (e.g. from a Secret)',
  );
if (sessionKey !== undefined && sessionKey.length < MIN_SESSION_KEY_LENGTH)
  flags.fail(`SESSION_KEY must be at least ${MIN_SESSION_KEY_LENGTH} characters`);
const whatsappApiUrl = values['whatsapp-api-url'] ?? process.env.WHATSAPP_API_URL ?? DEFAULT_WHATSAPP_API_URL;
const whatsappMaxAge = flags.num(
  values['whatsapp-max-age'] ?? process.env.WHATSAPP_MAX_AGE,
  86_400,
  'whatsapp-max-age',
  1,
);
try {
  new URL(whatsappApiUrl);
} catch {
  flags.fail(`--whatsapp-api-url must be a URL, got ${JSON.stringify(whatsappApiUrl)}`);
}
/** BURST/PER_SECOND, e.g. 10/1. */
function rate(v: string | undefined, what: string, dflt: { burst: number; perSecond: number }) {
  if (v === undefined || v === '') return dflt;
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || !(Number(m[2]) > 0))
    flags.fail(`--${what} must be BURST/PER_SECOND with both above 0, e.g. 10/1, got ${JSON.stringify(v)}`);
  return { burst: Number(m[1]), perSecond: Number(m[2]) };
}
const perUserLimit = rate(values['user-rate'] ?? process.env.USER_RATE, 'user-rate', DEFAULT_PER_USER_LIMIT);
const perClientLimit = rate(
  values['client-rate'] ?? process.env.CLIENT_RATE,
  'client-rate',
  DEFAULT_PER_CLIENT_LIMIT,
);
const namespaces = flags.list(values.namespaces ?? process.env.WATCH_NAMESPACES);
const logger = makeLogger(values['log-level'], 'chatbot-runtime');
const kc = flags.kubeConfig(values.kubeconfig ?? process.env.KUBECONFIG);

const store = createSessionStore(
  storeKind,
  redisUrl
    ? { redisUrl, onError: (err: Error) => logger.warn({ err: String(err) }, 'session store (Redis) error') }
    : {},
);
const runtime = new Runtime({
  kc,
  clock: new RealClock(),
  logger,
  store,
  namespaces,
  leaseNamespace: values['pod-namespace'] ?? process.env.POD_NAMESPACE ?? 'chatbot-system',
  host: values.host ?? process.env.RUNTIME_HOST ?? '127.0.0.1',
  port,
  healthPort,
  healthHost: values['health-host'] ?? process.env.HEALTH_HOST ?? '127.0.0.1',
  whatsappApiUrl,
  whatsappMaxAgeMs: whatsappMaxAge * 1000,
  ...(sessionKey ? { sessionKey } : {}),
  perUserLimit,
  perClientLimit,
});

runUntilSignalled('runtime', runtime, logger, 'shutting down: finishing messages in flight');
