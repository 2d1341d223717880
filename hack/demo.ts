// `make demo`: the whole product on one machine. A local control plane (etcd + kube-apiserver
// from bin/k8s), the CRDs, the operator and the runtime as their own processes, a local fake of
// Meta's Graph API, the example bots; then a short story told as end users see it: a
// conversation on WhatsApp, a conversation on the Http channel, a graceful takeover felt by an
// open session, and the QR code of the active WhatsApp bot. DEMO_ONCE=1 (or --once) stops
// after the story (CI runs it); otherwise it keeps running for you to explore.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, startControlPlane } from '../src/devcluster/control-plane.ts';
import { type FakeGraph, startFakeGraph } from '../test/support/fake-graph.ts';
import { metaJson, sign, webhook } from '../test/support/whatsapp.ts';

const once = process.argv.includes('--once') || process.env.DEMO_ONCE === '1';
const dir = join(REPO_ROOT, '.tmp', 'demo');
const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const say = (s: string) => console.log(bold(`\n==> ${s}`));
const user = (who: string, s: string) => console.log(`  \x1b[36m${who}:\x1b[0m ${s}`);
const botSays = (who: string, s: string) => console.log(`  \x1b[33m${who}:\x1b[0m ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await rm(dir, { recursive: true, force: true });
say('starting etcd and kube-apiserver on 127.0.0.1 (bin/k8s)');
const cp = await startControlPlane({ dir, keepDir: true });
const children: ChildProcess[] = [];
let graph: FakeGraph | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))),
  );
  await graph?.close();
  await cp.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const k = async (...args: string[]) => (await cp.kubectl(args)).stdout;
const kIn = async (input: string, ...args: string[]) => (await cp.kubectl(args, input)).stdout;

/** Starts `node --import tsx MAIN args`, logs to .tmp/demo/NAME.log; resolves with its first log line matching msg. */
function startProcess(
  name: string,
  main: string,
  args: string[],
  msg: string,
): Promise<Record<string, unknown>> {
  const log = createWriteStream(join(dir, `${name}.log`));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', main, `--kubeconfig=${cp.kubeconfigPath}`, ...args],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    },
  );
  children.push(child);
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.once('exit', (code) => {
    if (!stopping) {
      console.error(`${name} exited with ${code}: see .tmp/demo/${name}.log`);
      void stop(1);
    }
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start: see .tmp/demo/${name}.log`)),
      60_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) {
            clearTimeout(timer);
            resolve(parsed);
          }
        } catch {
          // a partial line
        }
      }
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const state = async (ns: string, name: string) =>
  k('get', 'chatbot', name, '-n', ns, '-o', 'jsonpath={.status.state}');

try {
  say('installing the CRDs (crds/), the chatbot-system namespace and RBAC (deploy/)');
  await k('apply', '--server-side', '-k', 'crds/');
  await k('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
  await k(
    'apply',
    '--server-side',
    '-f',
    'deploy/00-namespace.yaml',
    '-f',
    'deploy/10-rbac.yaml',
    '-f',
    'deploy/15-runtime-rbac.yaml',
  );
  await waitFor(
    'the CRDs to serve',
    async () =>
      await cp.kubectl(['get', 'chatbots', '-A']).then(
        () => true,
        () => false,
      ),
  );

  // The examples' WhatsApp Senders name credentials Secrets: one fake business number each.
  const files = readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));
  const phoneIds = new Map<string, string>();
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(REPO_ROOT, 'examples', f), 'utf8'))) {
      const o = doc.toJS() as { kind?: string; spec?: { credentialsSecretRef?: { name?: string } } };
      const name = o?.kind === 'Sender' ? o.spec?.credentialsSecretRef?.name : undefined;
      if (name && !phoneIds.has(name))
        phoneIds.set(name, `10654035224${String(phoneIds.size).padStart(4, '0')}`);
    }
  }
  say("starting a local fake of Meta's Graph API (WhatsApp replies land there)");
  graph = await startFakeGraph({
    tokens: Object.fromEntries([...phoneIds.values()].map((id) => [id, `demo-token-${id}`])),
  });

  say('starting the runtime (channels, sessions) and the operator (lifecycle)');
  const rt = await startProcess(
    'runtime',
    'src/runtime/main.ts',
    ['--port=0', '--health-port=0', '--pod-namespace=chatbot-system', `--whatsapp-api-url=${graph.url}`],
    'runtime serving',
  );
  const port = rt.port as number;
  const base = `http://127.0.0.1:${port}`;
  await startProcess(
    'operator',
    'src/operator/main.ts',
    ['--pod-namespace=chatbot-system', '--health-port=0', `--public-url=${base}`],
    'caches synced',
  );
  console.log(`  runtime: ${base} (logs .tmp/demo/runtime.log); operator logs: .tmp/demo/operator.log`);

  say('applying examples/ into namespace demo (with Secrets for their WhatsApp senders)');
  await k('create', 'namespace', 'demo');
  for (const [name, id] of phoneIds) {
    await k(
      'create',
      'secret',
      'generic',
      name,
      '-n',
      'demo',
      `--from-literal=accessToken=demo-token-${id}`,
      '--from-literal=appSecret=demo-app-secret',
      '--from-literal=verifyToken=demo-verify',
      `--from-literal=phoneNumberId=${id}`,
    );
  }
  await k('apply', '-n', 'demo', ...files.flatMap((f) => ['-f', join('examples', f)]));
  await waitFor('every chatbot to have a status', async () =>
    (await k('get', 'chatbots', '-n', 'demo', '-o', 'jsonpath={range .items[*]}{.status.state}{","}{end}'))
      .split(',')
      .slice(0, -1)
      .every((s) => s !== ''),
  );
  console.log(`\n$ kubectl get chatbots -n demo\n${await k('get', 'chatbots', '-n', 'demo')}`);

  say('a conversation on WhatsApp with acme-hello (signed webhooks in, Graph API requests out)');
  const phoneNumberId = phoneIds.get('acme-whatsapp')!;
  const ana = '385981112233';
  const wa = async (m: { text?: string; buttonReply?: { id: string; title: string } }, label: string) => {
    user('Ana on WhatsApp', label);
    const before = graph!.messagesTo(ana).length;
    const raw = metaJson(
      webhook([{ from: ana, name: 'Ana', ...m }], { phoneNumberId, displayPhoneNumber: '385911234567' }),
    );
    const res = await fetch(`${base}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(raw, 'demo-app-secret') },
      body: raw,
    });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    await waitFor('the replies', async () => graph!.messagesTo(ana).length > before, 20_000);
    await sleep(300);
    for (const body of graph!.messagesTo(ana).slice(before) as any[]) {
      if (body.type === 'text') botSays('acme-hello', body.text.body);
      else if (body.interactive.type === 'button')
        botSays(
          'acme-hello',
          `${body.interactive.body.text} [${body.interactive.action.buttons.map((b: any) => b.reply.title).join('] [')}]`,
        );
      else
        botSays(
          'acme-hello',
          `${body.interactive.body.text} (link: ${body.interactive.action.parameters.display_text})`,
        );
    }
    return graph!.messagesTo(ana) as any[];
  };
  const sent = await wa({ text: 'Hi' }, 'Hi');
  const agent = sent.find((b) => b.type === 'interactive' && b.interactive.type === 'button').interactive
    .action.buttons[0].reply;
  await wa({ buttonReply: agent }, `(taps "${agent.title}")`);

  say('a graceful takeover on the Http channel, felt by an open session');
  const story = (name: string, greeting: string, extra = '') => `apiVersion: chatbots.dev/v1alpha1
kind: Chatbot
metadata: {name: ${name}}
spec:
  channel: Http
  senderRef: {name: shop-web}
  state: Active${extra}
  definition:
    startDialog: welcome
    dialogs:
    - name: welcome
      elements:
      - text: "${greeting}"
      - buttons: {message: "What would you like?", items: [{caption: Orders, goTo: orders}]}
    - name: orders
      elements:
      - text: "Your order number?"
      - userInput: {saveAs: order}
      - text: "Order {{order}} ships tomorrow."
`;
  // A trusted backend (the shop's web server) talks for its visitors with the Sender's token: the
  // answers then name the chatbot that replied.
  await k('create', 'secret', 'generic', 'shop-web', '-n', 'demo', '--from-literal=token=demo-shop-token');
  await kIn(
    `apiVersion: chatbots.dev/v1alpha1
kind: Sender
metadata: {name: shop-web}
spec: {channel: Http, address: shop, credentialsSecretRef: {name: shop-web}}
---
${story('shop-classic', 'Welcome to the classic shop!')}`,
    'apply',
    '-n',
    'demo',
    '-f',
    '-',
  );
  await waitFor('shop-classic Active', async () => (await state('demo', 'shop-classic')) === 'Active');
  const http = async (from: string, text: string) => {
    user(from, text);
    const res = await fetch(`${base}/channels/http/shop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer demo-shop-token' },
      body: JSON.stringify({ from, text }),
    });
    const out = (await res.json()) as { replies: any[]; chatbot?: string };
    for (const r of out.replies)
      botSays(
        out.chatbot ?? '(nobody)',
        'text' in r
          ? r.text
          : `${r.buttons.message} [${r.buttons.items.map((i: any) => i.caption).join('] [')}]`,
      );
    if (!out.chatbot) botSays('(no reply)', 'no active chatbot answers');
    return out;
  };
  await http('Ana', 'hi');
  await http('Ana', 'Orders');
  console.log(bold('\n  shop-new takes over the sender with takeover: {mode: Graceful, gracePeriod: 20s}'));
  await kIn(
    story('shop-new', 'Welcome to the NEW shop!', '\n  takeover: {mode: Graceful, gracePeriod: 20s}'),
    'apply',
    '-n',
    'demo',
    '-f',
    '-',
  );
  await waitFor('shop-classic Draining', async () => (await state('demo', 'shop-classic')) === 'Draining');
  console.log(
    `\n$ kubectl get chatbots -n demo shop-classic shop-new\n${await k('get', 'chatbots', '-n', 'demo', 'shop-classic', 'shop-new')}`,
  );
  await http('Bo', 'hi');
  await http('Ana', 'A-1042');
  console.log(
    bold(
      '\n  Ana finished on shop-classic; Bo started on shop-new. Waiting for the 20 s grace period to end...',
    ),
  );
  await waitFor('the drain to end', async () => (await state('demo', 'shop-classic')) !== 'Draining', 90_000);
  console.log(
    `\n$ kubectl get chatbots -n demo shop-classic shop-new\n${await k('get', 'chatbots', '-n', 'demo', 'shop-classic', 'shop-new')}`,
  );
  await http('Ana', 'hi again');

  say('the QR code of the active WhatsApp bot acme-hello (also at its status.entryPoints.whatsapp.qr.png)');
  const link = await k(
    'get',
    'chatbot',
    'acme-hello',
    '-n',
    'demo',
    '-o',
    'jsonpath={.status.entryPoints.whatsapp.link}',
  );
  console.log(await QRCode.toString(link, { type: 'terminal', small: true }));
  console.log(`  ${link}\n  ${base}/entry/demo/acme-hello/qr.png`);

  if (once) {
    say('demo OK (DEMO_ONCE): stopping');
    await stop(0);
  }
  say('the demo keeps running; in another shell:');
  console.log(`  export KUBECONFIG=${cp.kubeconfigPath} PATH=${join(REPO_ROOT, 'bin', 'k8s')}:$PATH
  kubectl get chatbots -A
  kubectl describe chatbot shop-new -n demo
  node --import tsx src/cli/kubectl-chatbot.ts status shop-new -n demo     # or: make install-plugin; kubectl chatbot status ...
  node --import tsx src/cli/kubectl-chatbot.ts chat -f examples/ai-assistant.yaml
  curl -s ${base}/channels/http/shop -H 'content-type: application/json' -H 'authorization: Bearer demo-shop-token' -d '{"from":"you","text":"hi"}'
  curl -s ${base.replace('127.0.0.1', 'localhost')}/entry/demo/acme-hello/qr.svg > qr.svg
Logs: .tmp/demo/*.log. Press Ctrl-C to stop everything.`);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await stop(1);
}
