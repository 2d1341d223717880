#!/usr/bin/env node
// The runtime's entry point: flags and env, the real clock, the session store, signals.
import { RealClock } from '../kube/clock.ts';
import { Flags } from '../telemetry/flags.ts';
import { makeLogger } from '../telemetry/logger.ts';
import { runUntilSignalled } from '../telemetry/process.ts';
import { DEFAULT_WHATSAPP_API_URL, Runtime } from './runtime.ts';
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
  --namespaces a,b           namespaces to watch (env WATCH_NAMESPACES; default: all)
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
});

runUntilSignalled('runtime', runtime, logger, 'shutting down: finishing messages in flight');
