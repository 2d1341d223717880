// The runtime as users run it: `node src/runtime/main.ts` processes against the real control
// plane. Two replicas sharing one real redis-server serve one conversation alternately without
// losing or reordering a step; health, readiness and metrics; flags; logs without message text
// or phone numbers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../src/operator/manager.ts';
import { apply, kubeconfigPath, newNamespace } from '../support/cluster.ts';
import { httpBotYaml, httpSenderYaml } from '../support/http-bot.ts';
import { startOperator, waitForChatbot } from '../support/operator.ts';
import {
  httpGet,
  killAllOperators,
  metricSum,
  type OperatorProcess,
  runRuntime,
  scrapeMetrics,
  spawnRuntime,
} from '../support/process.ts';
import { type RedisServer, startRedis } from '../support/redis.ts';
import { say, seen } from '../support/runtime.ts';

let redis: RedisServer;
const managers: Manager[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async (ctx) => {
  await killAllOperators({ dump: ctx.task.result?.state === 'fail' });
  await Promise.all(managers.splice(0).map((m) => m.stop()));
});

const runtimeArgs = (ns: string, extra: string[] = []) => [
  '--kubeconfig',
  kubeconfigPath(),
  '--port',
  '0',
  '--health-port',
  '0',
  '--namespaces',
  ns,
  '--pod-namespace',
  ns,
  ...extra,
];

/** The channel and health ports from the process's `runtime serving` line. */
async function ports(p: OperatorProcess): Promise<{ port: number; healthPort: number }> {
  const line = await p.waitForLog('runtime serving', 30_000);
  return { port: line.port as number, healthPort: line.healthPort as number };
}

describe('runtime processes', () => {
  it('two replicas on one Redis serve one conversation alternately, in order; counts come from the shared store', async () => {
    const ns = await newNamespace('rtp');
    managers.push(await startOperator(ns));
    await apply(ns, `${httpSenderYaml('web', 'acme-web')}---\n${httpBotYaml('support', { sender: 'web' })}`);
    await waitForChatbot(ns, 'support', (c) => c.status?.state === 'Active', 'Active');
    const store = ['--session-store', 'redis', '--redis-url', redis.url, '--log-level', 'debug'];
    // One SESSION_KEY for both: conversation keys and tokens are the same on each replica.
    const env = { SESSION_KEY: 'a-shared-session-key-for-this-test' };
    const a = spawnRuntime(runtimeArgs(ns, store), { name: 'runtime-a', env });
    const b = spawnRuntime(runtimeArgs(ns, store), { name: 'runtime-b', env });
    const replicas = [await ports(a), await ports(b)];
    for (const r of replicas) {
      await expect
        .poll(async () => (await httpGet(r.healthPort, '/readyz')).status, { timeout: 20_000 })
        .toBe(200);
    }

    // Every step goes to the other replica than the last one.
    const script: [{ text?: string; button?: string; name?: string }, string[]][] = [
      [{ text: 'hi', name: 'Ana' }, ['Welcome to Acme, Ana!', 'How can we help? [Orders | Website]']],
      [{ button: 'Orders' }, ['Ask me about your order.']],
      [{ text: 'where is my order?' }, ['What is your order number?']],
      [{ text: 'A-1042' }, ['Order A-1042 is on its way.', 'Anything else? [Talk to someone | No, thanks]']],
    ];
    for (const [i, [body, want]] of script.entries()) {
      const replica = replicas[i % 2]!;
      const answer = await say(replica.port, 'acme-web', { from: '385991112222', ...body });
      expect(answer.status).toBe(200);
      expect(seen(answer)).toEqual(want);
    }
    // A second end user, also across both replicas.
    await say(replicas[1]!.port, 'acme-web', { from: '385993334444', text: 'hi', name: 'Bo' });

    // Both replicas report what the shared store holds: 2 open sessions.
    const bot = await waitForChatbot(ns, 'support', (c) => c.status?.sessions?.open === 2, 'sessions.open 2');
    expect(bot.status?.sessions?.byRevision).toEqual({ [bot.status?.revision ?? '']: 2 });
    for (const r of replicas) {
      await expect
        .poll(async () => metricSum(await scrapeMetrics(r.healthPort), 'chatbot_runtime_sessions_open'), {
          timeout: 20_000,
        })
        .toBe(2);
    }

    // The logs say what happened without the text or the end user's number.
    const logs = a.stdout() + b.stdout();
    expect(logs).toContain('message answered');
    for (const secret of ['where is my order', 'A-1042', '385991112222', '385993334444', 'Ana']) {
      expect(logs).not.toContain(secret);
    }
    const metrics = await scrapeMetrics(replicas[0]!.healthPort);
    expect(metricSum(metrics, 'chatbot_runtime_messages_in_total')).toBeGreaterThanOrEqual(2);
    expect(metrics).toContain('# TYPE chatbot_runtime_reply_latency_seconds histogram');

    a.kill('SIGTERM');
    b.kill('SIGTERM');
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
  });

  it('--help, and bad flags in one line with exit 2', async () => {
    const help = await runRuntime(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--session-store KIND');
    for (const [args, message] of [
      [['--session-store', 'etcd'], '--session-store must be one of memory, redis, got "etcd"'],
      [['--session-store', 'redis'], '--session-store redis needs --redis-url (or REDIS_URL)'],
      [
        ['--session-store', 'redis', '--redis-url', 'redis://127.0.0.1:1'],
        '--session-store redis needs SESSION_KEY: a secret shared by every replica',
      ],
      [['--user-rate', '10'], '--user-rate must be BURST/PER_SECOND with both above 0, e.g. 10/1, got "10"'],
      [['--port', 'eighty'], '--port must be a whole number >= 0, got "eighty"'],
      [['--kubeconfig', '/nonexistent/kubeconfig'], 'cannot load kubeconfig /nonexistent/kubeconfig'],
      [['--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      const r = await runRuntime([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`chatbot-runtime: ${message}`);
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2); // the error and "(see --help)"
    }
  });
});
