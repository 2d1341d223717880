// `npm run bench:limits`: the figures behind issue 15's limits, on this machine, with baselines from
// the same run. The operator and the runtime run as processes (node --import tsx src/.../main.ts)
// against a local control plane (etcd's quota raised to 8 GiB and compaction every minute: the
// sizes phase writes a few GB).
//
// 1. Training off the event loop: a bot of 200 intents x 200 phrases (the largest kind the runtime
//    serves) is applied while /healthz is polled every 20 ms. Reported: the runtime's event-loop
//    delay p99 and max while its worker thread trains (prom-client's monitorEventLoopDelay, reset
//    at each scrape) and /healthz latency, beside the same figures for the idle runtime just before
//    (baseline), and beside how long the same training holds an event loop when it runs on it (what
//    the runtime did before: measured here, in this process).
// 2. Sizes: RSS and heap of both processes with no bots (baseline), then with BENCH_BOTS bots of a
//    definition just under the 1 MiB limit, then after BENCH_REVISIONS - 1 redeploys of each
//    (revisionHistoryLimit 10, redeploy.gracePeriod 0s: 10 kept revisions each, one serving).
//    Both processes run with --max-old-space-size=384, as deploy/ runs them.
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createIntentMatcher } from '../../src/core/intents/index.ts';
import { DEFINITION_MAX_BYTES } from '../../src/core/validation/index.ts';
import { type ControlPlane, startControlPlane } from '../../src/devcluster/control-plane.ts';
import { httpBotObject, largestIntents } from '../../test/support/http-bot.ts';
import {
  killAllOperators,
  metricSum,
  scrapeMetrics,
  spawnOperator,
  spawnRuntime,
} from '../../test/support/process.ts';
import { fmt, mib, sleep, table } from '../proc.ts';
import { procMem } from '../runtime/lib.ts';

const num = (name: string, dflt: number) => {
  const n = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number >= 0`);
  return n;
};
const BOTS = Math.round(num('BENCH_BOTS', 100));
const REVISIONS = Math.max(1, Math.round(num('BENCH_REVISIONS', 10)));
const NS = 'bench';
const GROUP = { group: 'chatbots.dev', version: 'v1alpha1', namespace: NS };
const log = (m: string) => console.log(`[bench:limits] ${m}`);

let cp: ControlPlane | undefined;

/** The operator and the runtime as deploy/ runs them (its NODE_OPTIONS), logging at info. */
const nodeOptions = [
  `--max-old-space-size=${process.env.BENCH_HEAP_MB ?? '384'}`,
  ...(process.env.BENCH_HEAPSNAP ? ['--heapsnapshot-signal=SIGUSR2'] : []),
].join(' ');

async function start(which: 'operator' | 'runtime', args: string[]) {
  const env = { NODE_OPTIONS: nodeOptions, LOG_LEVEL: 'info' };
  const p =
    which === 'operator'
      ? spawnOperator(args, { name: which, env })
      : spawnRuntime(args, { name: which, env });
  const ready = await p.waitForLog(
    which === 'operator' ? 'health and metrics server listening' : 'runtime serving',
    60_000,
  );
  const stop = async () => {
    p.kill('SIGTERM');
    await p.exited;
  };
  return { proc: p, healthPort: (which === 'operator' ? ready.port : ready.healthPort) as number, stop };
}

const metrics = (port: number) => scrapeMetrics(port);
const metric = (text: string, name: string) => metricSum(text, name) ?? Number.NaN;

/** /healthz latencies (ms) and event-loop delay figures over a window that ends when `until` resolves. */
async function watch(healthPort: number, until: Promise<unknown>) {
  await metrics(healthPort); // resets the event-loop delay histogram
  const lat: number[] = [];
  let failures = 0;
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    const t = performance.now();
    try {
      const r = await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (r.status !== 200) failures++;
      await r.text();
    } catch {
      failures++;
    }
    lat.push(performance.now() - t);
    await sleep(20);
  }
  const m = await metrics(healthPort);
  lat.sort((a, b) => a - b);
  return {
    p99: metric(m, 'chatbot_runtime_nodejs_eventloop_lag_p99_seconds') * 1000,
    max: metric(m, 'chatbot_runtime_nodejs_eventloop_lag_max_seconds') * 1000,
    healthP99: lat[Math.floor(lat.length * 0.99)] ?? Number.NaN,
    healthMax: lat.at(-1) ?? Number.NaN,
    polls: lat.length,
    failures,
    metrics: m,
  };
}

const intents = largestIntents();

/** A definition of dialogs of texts, just under the 1 MiB limit. */
function largestDefinition(tag: string) {
  const dialogs: { name: string; elements: ({ text: string } | { goTo: string })[] }[] = [];
  const text = 'x'.repeat(1000);
  const dialog = (d: number) => ({
    name: `d${d}`,
    elements: [
      ...Array.from({ length: 4 }, (_, e) => ({ text: `${tag} ${d}.${e} ${text}` })),
      { goTo: `d${d + 1}` },
    ],
  });
  const one = JSON.stringify(dialog(99_999)).length + 1;
  // 64 bytes of headroom for the redeploys' tags; the last dialog ends the chain.
  while ((dialogs.length + 1) * one + 100 < DEFINITION_MAX_BYTES - 64) dialogs.push(dialog(dialogs.length));
  dialogs.at(-1)!.elements.pop();
  return { startDialog: 'd0', dialogs };
}

async function main() {
  cp = await startControlPlane({
    etcdArgs: ['--quota-backend-bytes=8589934592'],
    apiserverArgs: ['--etcd-compaction-interval=1m'],
  });
  await cp.installCrds();
  await cp.kubectl(['create', 'namespace', NS]);
  const common = [
    '--kubeconfig',
    cp.kubeconfigPath,
    '--namespaces',
    NS,
    '--pod-namespace',
    NS,
    '--health-port',
    '0',
  ];
  const op = await start('operator', [...common, '--leader-elect', 'false']);
  const rt = await start('runtime', [...common, '--port', '0']);
  const { healthPort } = rt;
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const api = kc.makeApiClient(CustomObjectsApi);
  for (let i = 0; ; i++) {
    try {
      await cp.kubectl(
        ['apply', '-n', NS, '-f', '-'],
        `apiVersion: chatbots.dev/v1alpha1\nkind: Sender\nmetadata: {name: web}\nspec: {channel: Http, address: bench-web}\n`,
      );
      break;
    } catch (err) {
      if (i > 30) throw err;
      await sleep(500);
    }
  }
  const getBot = async (name: string) =>
    (await api.getNamespacedCustomObject({ ...GROUP, plural: 'chatbots', name })) as {
      status?: { state?: string; revision?: string };
    };

  // ---- 1. training off the event loop
  const idle = await watch(healthPort, sleep(5000));
  const t = performance.now();
  createIntentMatcher(intents);
  const onLoopMs = performance.now() - t;
  // Its log line, not /metrics: each scrape resets the event-loop delay window being measured.
  const trained = rt.proc.waitForLog('intent matcher trained', 300_000);
  const bot = httpBotObject('topics', 'web', {
    startDialog: 'welcome',
    dialogs: [
      {
        name: 'welcome',
        elements: [{ route: { intents: [{ intent: 'topic_1', goTo: 'one' }], otherwise: 'none' } }],
      },
      { name: 'one', elements: [{ text: 'Topic one.' }] },
      { name: 'none', elements: [{ text: 'No topic.' }] },
    ],
    intents,
  });
  await api.createNamespacedCustomObject({ ...GROUP, plural: 'chatbots', body: bot });
  const training = await watch(healthPort, trained);
  const trainSeconds = metric(training.metrics, 'chatbot_runtime_intent_training_seconds_sum');
  console.log(`\n200 intents x 200 phrases (${fmt(JSON.stringify(bot).length / 1024, 0)} KiB of definition)`);
  console.log(
    table(
      ['window', 'event-loop delay p99', 'max', '/healthz p99', '/healthz max', 'polls', 'failed'],
      [
        [
          'runtime idle, 5 s (baseline)',
          `${fmt(idle.p99)} ms`,
          `${fmt(idle.max)} ms`,
          `${fmt(idle.healthP99)} ms`,
          `${fmt(idle.healthMax)} ms`,
          idle.polls,
          idle.failures,
        ],
        [
          `runtime while its worker trains (${fmt(trainSeconds)} s)`,
          `${fmt(training.p99)} ms`,
          `${fmt(training.max)} ms`,
          `${fmt(training.healthP99)} ms`,
          `${fmt(training.healthMax)} ms`,
          training.polls,
          training.failures,
        ],
      ],
    ),
  );
  console.log(
    `the same training on an event loop (as the runtime trained before) holds it for ${fmt(onLoopMs, 0)} ms: ` +
      `${fmt(onLoopMs / Math.max(training.max, 1), 0)}x the longest delay measured while the worker trained`,
  );
  console.log(
    `goals: p99 <= 50 ms: ${training.p99 <= 50 ? 'met' : 'NOT met'}; /healthz within 100 ms: ${training.healthMax <= 100 ? 'met' : 'NOT met'}`,
  );
  await api.deleteNamespacedCustomObject({ ...GROUP, plural: 'chatbots', name: 'topics' });

  // ---- 2. sizes, on fresh processes (the training above left its marks on both heaps)
  await Promise.all([op.stop(), rt.stop()]);
  const op2 = await start('operator', [...common, '--leader-elect', 'false']);
  const rt2 = await start('runtime', [...common, '--port', '0']);
  const heap = async (port: number, prefix: string) =>
    metric(await metrics(port), `${prefix}_nodejs_heap_size_used_bytes`);
  const snapshot = async (label: string) => {
    await sleep(10_000);
    return {
      label,
      op: procMem(op2.proc.pid).rss,
      opHeap: await heap(op2.healthPort, 'chatbot_operator'),
      rt: procMem(rt2.proc.pid).rss,
      rtHeap: await heap(rt2.healthPort, 'chatbot_runtime'),
      held: metric(await metrics(rt2.healthPort), 'chatbot_runtime_revisions_held'),
    };
  };
  const rows = [await snapshot('no bots (baseline)')];
  const names = Array.from({ length: BOTS }, (_, i) => `big-${i}`);
  const t0 = performance.now();
  for (const name of names) {
    const body = httpBotObject(name, 'web', largestDefinition(`${name} r0`), {
      revisionHistoryLimit: 10,
      redeploy: { gracePeriod: '0s' },
      state: name === names[0] ? 'Active' : 'Inactive',
    });
    await api.createNamespacedCustomObject({ ...GROUP, plural: 'chatbots', body });
  }
  // Each bot serves: one at a time holds the Sender, so each gets a Sender of its own.
  for (const name of names) {
    await cp.kubectl(
      ['apply', '-n', NS, '-f', '-'],
      `apiVersion: chatbots.dev/v1alpha1\nkind: Sender\nmetadata: {name: s-${name}}\nspec: {channel: Http, address: "${name}"}\n`,
    );
    await api.patchNamespacedCustomObject(
      {
        ...GROUP,
        plural: 'chatbots',
        name,
        body: [
          { op: 'replace', path: '/spec/senderRef/name', value: `s-${name}` },
          { op: 'replace', path: '/spec/state', value: 'Active' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
  }
  const revisionsOf = async () =>
    Number(
      (await cp!.kubectl(['get', 'controllerrevisions', '-n', NS, '--no-headers', '-o', 'name'])).stdout
        .trim()
        .split('\n')
        .filter(Boolean).length,
    );
  const allActive = async (revs: number) => {
    for (;;) {
      const states = await Promise.all(names.map(async (n) => (await getBot(n)).status?.state));
      if (states.includes('Invalid')) throw new Error('a bot is Invalid: see its status.validation');
      if (states.every((s) => s === 'Active') && (await revisionsOf()) >= names.length * revs) return;
      await sleep(2000);
    }
  };
  await allActive(1);
  log(
    `${BOTS} bots of ${fmt(JSON.stringify(largestDefinition('x')).length / 1024, 0)} KiB Active in ${fmt((performance.now() - t0) / 1000)} s`,
  );
  rows.push(await snapshot(`${BOTS} bots at the size limit, 1 revision each`));
  for (let r = 1; r < REVISIONS; r++) {
    for (const name of names) {
      await api.patchNamespacedCustomObject(
        {
          ...GROUP,
          plural: 'chatbots',
          name,
          body: [
            { op: 'replace', path: '/spec/definition/dialogs/0/elements/0/text', value: `${name} r${r}` },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    }
    await allActive(r + 1);
    log(`redeploy ${r} of each bot done (${await revisionsOf()} ControllerRevisions)`);
  }
  rows.push(await snapshot(`${BOTS} bots at the size limit, ${REVISIONS} revisions each`));
  if (process.env.BENCH_HEAPSNAP) {
    // A heap snapshot collects garbage first: what the heap holds for good.
    rt2.proc.kill('SIGUSR2');
    op2.proc.kill('SIGUSR2');
    rows.push(await snapshot('the same, after a heap snapshot (a full GC) of each process'));
  }
  console.log(`\nmemory (RSS and used heap, MiB), settled 10 s after each phase`);
  console.log(
    table(
      [
        'phase',
        'operator RSS',
        'operator heap',
        'runtime RSS',
        'runtime heap',
        'runtime RSS / baseline',
        'revisions held by the runtime',
      ],
      rows.map((r) => [
        r.label,
        fmt(mib(r.op)),
        fmt(mib(r.opHeap)),
        fmt(mib(r.rt)),
        fmt(mib(r.rtHeap)),
        `${fmt(r.rt / rows[0]!.rt, 2)}x`,
        r.held,
      ]),
    ),
  );
}

try {
  await main();
} finally {
  await killAllOperators();
  await sleep(1000);
  await cp?.stop();
}
