#!/usr/bin/env node
// The operator's entry point: flags and env, the real clock, signals.
import { RealClock } from '../kube/clock.ts';
import { Flags } from '../telemetry/flags.ts';
import { makeLogger } from '../telemetry/logger.ts';
import { runUntilSignalled } from '../telemetry/process.ts';
import { Manager } from './manager.ts';

const USAGE = `chatbot-operator [flags]
  --kubeconfig PATH          kubeconfig (env KUBECONFIG; default: in-cluster, then ~/.kube/config)
  --namespaces a,b           namespaces to watch (env WATCH_NAMESPACES; default: all)
  --pod-namespace NS         the operator's namespace for Leases (env POD_NAMESPACE; default chatbot-system)
  --workers N                concurrent reconciles (env WORKERS; default 8)
  --leader-elect=false       turn leader election off (env LEADER_ELECT; default true)
  --lease-duration SECONDS   leader Lease duration (default 15)
  --health-port PORT         /healthz, /readyz, /metrics (env HEALTH_PORT; default 8081; 0 = any free port)
  --health-host HOST         address to listen on (env HEALTH_HOST; default 127.0.0.1; 0.0.0.0 in a Pod)
  --identity ID              leader-election identity (env POD_NAME; default hostname_pid)
  --public-url URL           the runtime's public base URL: status.entryPoints then names QR code URLs (env PUBLIC_URL)
  --log-level LEVEL          pino level (env LOG_LEVEL; default info)`;

const flags: Flags = new Flags('chatbot-operator', USAGE);

const values = flags.parse([
  'kubeconfig',
  'namespaces',
  'pod-namespace',
  'workers',
  'leader-elect',
  'lease-duration',
  'health-port',
  'health-host',
  'identity',
  'log-level',
  'public-url',
] as const);

const leaseSeconds = flags.num(values['lease-duration'], 15, 'lease-duration', 1);
const workers = flags.num(values.workers ?? process.env.WORKERS, 8, 'workers', 1);
const healthPort = flags.num(values['health-port'] ?? process.env.HEALTH_PORT, 8081, 'health-port');
const leaderElection = flags.bool(values['leader-elect'] ?? process.env.LEADER_ELECT, true, 'leader-elect');
const namespaces = flags.list(values.namespaces ?? process.env.WATCH_NAMESPACES);

const publicUrl = values['public-url'] ?? process.env.PUBLIC_URL;
if (publicUrl && !/^https?:\/\/[^/]/.test(publicUrl)) {
  flags.fail(`--public-url must be an http(s) URL, got ${JSON.stringify(publicUrl)}`);
}
const logger = makeLogger(values['log-level']);
const kc = flags.kubeConfig(values.kubeconfig ?? process.env.KUBECONFIG);

const manager = new Manager({
  kc,
  clock: new RealClock(),
  logger,
  namespaces,
  podNamespace: values['pod-namespace'] ?? process.env.POD_NAMESPACE ?? 'chatbot-system',
  workers,
  leaderElection,
  leaseDurationMs: leaseSeconds * 1000,
  renewDeadlineMs: Math.round(leaseSeconds * 1000 * (2 / 3)),
  retryPeriodMs: Math.max(200, Math.round(leaseSeconds * 1000 * (2 / 15))),
  identity: values.identity ?? process.env.POD_NAME,
  healthPort,
  healthHost: values['health-host'] ?? process.env.HEALTH_HOST ?? '127.0.0.1',
  ...(publicUrl ? { publicUrl } : {}),
  onLostLeadership: () => {
    if (life.stopping()) return;
    logger.error('leadership lost: exiting so that a fresh start rebuilds every cache');
    process.exit(1);
  },
});

const life = runUntilSignalled('operator', manager, logger);
