// Summarizes a V8 CPU profile (.cpuprofile, from BENCH_CPU_PROF=dir bench/runtime/run.ts or any
// `node --cpu-prof`): where the busy time went, by area (a package, a src/ folder, Node
// internals, GC), by function (self time), and the src/ functions by inclusive time.
//
//   node --import tsx bench/runtime/profile.ts FILE.cpuprofile [top=25]
import { readFileSync } from 'node:fs';
import { fmt, table } from './lib.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node --import tsx bench/runtime/profile.ts FILE.cpuprofile [top=25]');
  process.exit(2);
}
const TOP = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

const IDLE = new Set(['(idle)', '(program)']);
const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*?\/(src|bench|test)\//, '$1/');

function area(f: CallFrame): string {
  if (f.functionName.startsWith('(')) return f.functionName;
  const u = short(f.url);
  if (!u) return '(native/builtin)';
  if (u.startsWith('node:')) return 'node: internals';
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return pkg[1]!;
  const dir = /^(src|bench|test)\/(.*)\/[^/]+$/.exec(u);
  if (dir) return `${dir[1]}/${dir[2]}`;
  return u;
}
const fnKey = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${short(f.url)}:${f.lineNumber + 1}`;

let total = 0;
let busy = 0;
const areas = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  total += us;
  if (IDLE.has(f.functionName)) continue;
  busy += us;
  areas.set(area(f), (areas.get(area(f)) ?? 0) + us);
  fns.set(fnKey(f), (fns.get(fnKey(f)) ?? 0) + us);
}

// Inclusive time of src/ functions (a function on the stack twice counts once per sample path).
const inclusive = new Map<number, number>();
const incl = (id: number): number => {
  const cached = inclusive.get(id);
  if (cached !== undefined) return cached;
  const n = byId.get(id)!;
  let t = self.get(id) ?? 0;
  for (const c of n.children ?? []) t += incl(c);
  inclusive.set(id, t);
  return t;
};
const srcIncl = new Map<string, number>();
const walk = (id: number, onStack: Set<string>) => {
  const n = byId.get(id)!;
  const k = fnKey(n.callFrame);
  const mine = short(n.callFrame.url).startsWith('src/') && !onStack.has(k);
  if (mine) srcIncl.set(k, (srcIncl.get(k) ?? 0) + incl(id));
  const next = mine ? new Set(onStack).add(k) : onStack;
  for (const c of n.children ?? []) walk(c, next);
};
walk(profile.nodes[0]!.id, new Set());

const ms = (us: number) => fmt(us / 1000, 0);
const pct = (us: number) => `${fmt((us / busy) * 100, 1)}%`;
const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);

console.log(`${file}: ${ms(total)} ms profiled, ${ms(busy)} ms busy (not idle)`);
console.log('\nBY AREA (self time)');
console.log(
  table(
    ['area', 'ms', 'of busy'],
    top(areas, TOP).map(([k, v]) => [k, ms(v), pct(v)]),
  ),
);
console.log('\nBY FUNCTION (self time)');
console.log(
  table(
    ['function', 'ms', 'of busy'],
    top(fns, TOP).map(([k, v]) => [k, ms(v), pct(v)]),
  ),
);
console.log('\nsrc/ FUNCTIONS (inclusive time)');
console.log(
  table(
    ['function', 'ms', 'of busy'],
    top(srcIncl, TOP).map(([k, v]) => [k, ms(v), pct(v)]),
  ),
);
