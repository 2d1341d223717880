// Helpers of the operator benchmark (bench/operator/run.ts): request accounting on the client
// side (undici diagnostics channels) and on the server side (kube-apiserver /metrics), process
// CPU from /proc, fixtures, and table printing. Nothing here changes what the operator does.
import { subscribe } from 'node:diagnostics_channel';
import { Agent, request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Chatbot, Sender } from '../../src/api/schema.ts';
import { controlPlanePids, fmt, machineCpu, mib, procCpu, sleep, table } from '../proc.ts';

export { controlPlanePids, fmt, mib, sleep, table };

// ---------------------------------------------------------------------------------------------
// Client side: every request client-node sends goes through undici; a header added in
// applySecurityAuthentication tags it with who sent it (operator, bench creates, floor).

export const TAG_HEADER = 'x-bench-client';

export interface ReqStat {
  count: number;
  /** HTTP status -> count (-1: transport error). */
  codes: Record<string, number>;
  /** Summed client-side latency (create to last byte) of the finished requests, ms. */
  latencyMs: number;
  finished: number;
}

/** tag -> `verb resource` -> stat */
export type ReqStats = Record<string, Record<string, ReqStat>>;

interface Live {
  tag: string;
  key: string;
  t0: number;
  code?: number;
  watch: boolean;
}

/** `VERB resource[/subresource]` from a path and method, as apiserver_request_total labels them. */
export function requestKey(method: string, path: string): { key: string; watch: boolean } {
  const [p = '', q = ''] = path.split('?');
  const seg = p.split('/').filter(Boolean);
  // /api/v1/... or /apis/group/version/...
  let rest = seg[0] === 'api' ? seg.slice(2) : seg[0] === 'apis' ? seg.slice(3) : seg;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource = seg.join('/') || '/', name, sub] = rest;
  const watch = /(^|&)watch=(true|1)/.test(q);
  let verb = method.toUpperCase();
  if (verb === 'GET') verb = watch ? 'WATCH' : name ? 'GET' : 'LIST';
  return { key: `${verb} ${resource}${sub ? `/${sub}` : ''}`, watch };
}

const emptyStat = (): ReqStat => ({ count: 0, codes: {}, latencyMs: 0, finished: 0 });

export class RequestTracker {
  readonly stats: ReqStats = {};
  readonly inflight = new Map<string, number>();
  /** New TCP(+TLS) connections undici opened. */
  connections = 0;
  private readonly live = new WeakMap<object, Live>();

  constructor() {
    subscribe('undici:request:create', (msg) => {
      const { request } = msg as { request: { method: string; path: string; headers: unknown } };
      const tag = headerOf(request.headers, TAG_HEADER) ?? 'untagged';
      const { key, watch } = requestKey(request.method, request.path);
      this.stat(tag, key).count++;
      if (!watch) this.inflight.set(tag, (this.inflight.get(tag) ?? 0) + 1);
      this.live.set(request, { tag, key, t0: performance.now(), watch });
    });
    subscribe('undici:request:headers', (msg) => {
      const { request, response } = msg as { request: object; response: { statusCode: number } };
      const l = this.live.get(request);
      if (l) l.code = response.statusCode;
    });
    subscribe('undici:request:trailers', (msg) => this.finish((msg as { request: object }).request));
    subscribe('undici:request:error', (msg) => this.finish((msg as { request: object }).request, -1));
    subscribe('undici:client:connected', () => {
      this.connections++;
    });
  }

  private stat(tag: string, key: string): ReqStat {
    const byKey = this.stats[tag] ?? {};
    this.stats[tag] = byKey;
    const s = byKey[key] ?? emptyStat();
    byKey[key] = s;
    return s;
  }

  private finish(request: object, errCode?: number) {
    const l = this.live.get(request);
    if (!l) return;
    this.live.delete(request);
    const s = this.stat(l.tag, l.key);
    const code = String(errCode ?? l.code ?? 0);
    s.codes[code] = (s.codes[code] ?? 0) + 1;
    if (!l.watch) {
      s.latencyMs += performance.now() - l.t0;
      s.finished++;
      this.inflight.set(l.tag, Math.max(0, (this.inflight.get(l.tag) ?? 1) - 1));
    }
  }

  /** A copy of the counters, to diff against later. */
  snapshot(): ReqStats {
    return structuredClone(this.stats);
  }

  /** What happened for tag since `before`. */
  since(before: ReqStats, tag: string): Record<string, ReqStat> {
    const out: Record<string, ReqStat> = {};
    for (const [k, s] of Object.entries(this.stats[tag] ?? {})) {
      const b = before[tag]?.[k] ?? emptyStat();
      const codes: Record<string, number> = {};
      for (const [c, n] of Object.entries(s.codes)) {
        const d = n - (b.codes[c] ?? 0);
        if (d) codes[c] = d;
      }
      const d: ReqStat = {
        count: s.count - b.count,
        codes,
        latencyMs: s.latencyMs - b.latencyMs,
        finished: s.finished - b.finished,
      };
      if (d.count || d.finished) out[k] = d;
    }
    return out;
  }
}

export const totalRequests = (m: Record<string, ReqStat>) =>
  Object.values(m).reduce((a, s) => a + s.count, 0);

function headerOf(headers: unknown, name: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
    return undefined;
  }
  if (typeof headers === 'string') {
    const m = new RegExp(`^${name}: *(.*)$`, 'im').exec(headers);
    return m?.[1]?.trim();
  }
  return undefined;
}

/** Tags every request made through kc (API clients and watches) with who sent it. */
export function instrument(kc: KubeConfig, tag: string): KubeConfig {
  const orig = kc.applySecurityAuthentication.bind(kc);
  kc.applySecurityAuthentication = async (ctx) => {
    await orig(ctx);
    ctx.setHeaderParam(TAG_HEADER, tag);
  };
  return kc;
}

// ---------------------------------------------------------------------------------------------
// Server side: kube-apiserver /metrics, read with the admin token.

export interface ServerStat {
  count: number;
  codes: Record<string, number>;
  durSum: number;
  durCount: number;
}

export class RawClient {
  private readonly agent: Agent;
  constructor(
    private readonly server: string,
    private readonly token: string,
    ca: string,
  ) {
    this.agent = new Agent({ ca, keepAlive: true, maxSockets: 2 });
  }

  static fromKubeConfig(kc: KubeConfig): RawClient {
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (!cluster?.caData || !user?.token) throw new Error('kubeconfig without caData and token');
    return new RawClient(cluster.server, user.token, Buffer.from(cluster.caData, 'base64').toString('utf8'));
  }

  get(path: string, accept = 'application/json'): Promise<{ status: number; body: string }> {
    return new Promise((ok, fail) => {
      const req = httpsRequest(
        `${this.server}${path}`,
        { agent: this.agent, headers: { authorization: `Bearer ${this.token}`, accept } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.setTimeout(60_000, () => req.destroy(new Error(`timeout GET ${path}`)));
      req.end();
    });
  }

  close() {
    this.agent.destroy();
  }

  /** apiserver_request_total and request durations by `verb resource[/subresource]`. */
  async scrape(): Promise<Record<string, ServerStat>> {
    const res = await this.get('/metrics', 'text/plain');
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    const out: Record<string, ServerStat> = {};
    for (const line of res.body.split('\n')) {
      let kind: 'total' | 'sum' | 'count';
      if (line.startsWith('apiserver_request_total{')) kind = 'total';
      else if (line.startsWith('apiserver_request_duration_seconds_sum{')) kind = 'sum';
      else if (line.startsWith('apiserver_request_duration_seconds_count{')) kind = 'count';
      else continue;
      const close = line.lastIndexOf('}');
      const labels: Record<string, string> = {};
      for (const m of line.slice(line.indexOf('{') + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[m[1]!] = m[2]!;
      }
      const value = Number(line.slice(close + 1).trim());
      if (!labels.resource) continue;
      // Same vocabulary as requestKey(): POST, PUT, PATCH, DELETE, GET, LIST, WATCH.
      const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
      const s = out[key] ?? { count: 0, codes: {}, durSum: 0, durCount: 0 };
      out[key] = s;
      if (kind === 'total') {
        s.count += value;
        const code = labels.code ?? '?';
        s.codes[code] = (s.codes[code] ?? 0) + value;
      } else if (kind === 'sum') s.durSum += value;
      else s.durCount += value;
    }
    return out;
  }
}

export function diffServer(
  after: Record<string, ServerStat>,
  before: Record<string, ServerStat>,
): Record<string, ServerStat> {
  const out: Record<string, ServerStat> = {};
  for (const [k, a] of Object.entries(after)) {
    const b = before[k];
    const codes: Record<string, number> = {};
    for (const [c, n] of Object.entries(a.codes)) {
      const d = n - (b?.codes[c] ?? 0);
      if (d) codes[c] = d;
    }
    const d = {
      count: a.count - (b?.count ?? 0),
      codes,
      durSum: a.durSum - (b?.durSum ?? 0),
      durCount: a.durCount - (b?.durCount ?? 0),
    };
    if (d.count > 0) out[k] = d;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CPU seconds of this process and of the control plane's processes (children of this one).

export type CpuSample = Record<string, number>;

export function cpuSample(pids: Record<string, number>): CpuSample {
  const u = process.cpuUsage();
  const out: CpuSample = { node: (u.user + u.system) / 1e6, machine: machineCpu() };
  for (const [name, pid] of Object.entries(pids)) out[name] = procCpu(pid) || 0; // gone: 0
  return out;
}

/**
 * `node[/client]/apiserver/etcd/other` CPU seconds: node is the measured process, client the
 * bench's separate client process (operator runs); other: the rest of the machine (noise).
 */
export function cpuCell(c: CpuSample): string {
  const node = c.node ?? 0;
  const client = c.client;
  const api = c['kube-apiserver'] ?? 0;
  const etcd = c.etcd ?? 0;
  const other = Math.max(0, (c.machine ?? Number.NaN) - node - (client ?? 0) - api - etcd);
  return [node, client, api, etcd, other].flatMap((v) => (v === undefined ? [] : [fmt(v)])).join('/');
}

export function cpuDiff(a: CpuSample, b: CpuSample): CpuSample {
  const out: CpuSample = {};
  for (const k of Object.keys(b)) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fixtures: a valid WhatsApp bot (two dialogs, buttons) on its own Sender with its own number.

export const API = { group: 'chatbots.dev', version: 'v1alpha1' } as const;

export function address(i: number): string {
  // Croatian mobile numbers +385 9x xxx xxxx: distinct, possible, E.164.
  return `+38591${String(1_000_000 + i).slice(-7)}`;
}

export function senderFor(namespace: string, i: number, base: number): Sender {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Sender',
    metadata: { name: `sender-${i}`, namespace },
    spec: { channel: 'WhatsApp', address: address(base + i) },
  } as Sender;
}

export function chatbotFor(namespace: string, i: number): Chatbot {
  return {
    apiVersion: 'chatbots.dev/v1alpha1',
    kind: 'Chatbot',
    metadata: { name: `bot-${i}`, namespace },
    spec: {
      channel: 'WhatsApp',
      senderRef: { name: `sender-${i}` },
      state: 'Active',
      startKeyword: 'Hi',
      definition: {
        startDialog: 'welcome',
        dialogs: [
          {
            name: 'welcome',
            elements: [
              { text: `Hi, welcome to Acme support (bot ${i})!` },
              {
                buttons: {
                  message: 'How can we help you today?',
                  items: [
                    { caption: 'Talk to an agent', goTo: 'agent' },
                    { caption: 'Visit our website', url: 'https://acme.example/help' },
                  ],
                },
              },
            ],
          },
          {
            name: 'agent',
            elements: [
              { text: 'One moment, we are connecting you with a colleague.' },
              { toAgent: { queue: 'support' } },
            ],
          },
        ],
      },
    },
  } as Chatbot;
}

// ---------------------------------------------------------------------------------------------
// Small utilities.

/** Runs fn(i) for i in [0, n) with at most `limit` in flight. */
export async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}
