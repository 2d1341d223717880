// The layout's rules (docs/architecture.md, "Parts"), checked over every import in src/:
// core imports only api; kube and telemetry import neither operator nor runtime; operator and
// runtime never import each other; the API imports nothing else of ours. And the pure core
// never reads the clock.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sources(SRC).map((abs) => ({
  abs,
  rel: relative(SRC, abs).split(sep).join('/'),
  part: relative(SRC, abs).split(sep)[0]!,
  text: readFileSync(abs, 'utf8'),
}));

/** The parts of src/ a file imports (relative imports only; packages are not parts). */
function importedParts(file: (typeof files)[number]): { part: string; spec: string }[] {
  const out: { part: string; spec: string }[] = [];
  for (const m of file.text.matchAll(
    /(?:import|export)[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g,
  )) {
    const spec = m[1] ?? m[2]!;
    const target = relative(SRC, resolve(file.abs, '..', spec)).split(sep);
    if (target[0] === '..') continue;
    out.push({ part: target[0]!, spec });
  }
  return out;
}

/** part -> the parts it may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  api: [],
  core: ['api'],
  kube: ['api', 'core'],
  telemetry: ['api', 'core'],
  workers: ['api', 'core'],
  operator: ['api', 'core', 'kube', 'telemetry', 'workers'],
  runtime: ['api', 'core', 'kube', 'telemetry', 'workers'],
  cli: ['api', 'core', 'kube', 'telemetry', 'runtime'],
  devcluster: ['api', 'core'],
};

describe('the import rule', () => {
  it('every part of src/ is one the rule knows', () => {
    const parts = new Set(files.filter((f) => f.rel.includes('/')).map((f) => f.part));
    expect([...parts].filter((p) => !(p in ALLOWED))).toEqual([]);
  });

  it.each(Object.keys(ALLOWED))('%s imports only what it may', (part) => {
    const broken = files
      .filter((f) => f.part === part && !f.rel.endsWith('.test.ts'))
      .flatMap((f) =>
        importedParts(f)
          .filter((i) => i.part !== part && !ALLOWED[part]!.includes(i.part))
          .map((i) => `${f.rel} imports ${i.spec}`),
      );
    expect(broken).toEqual([]);
  });

  it('the rule itself: operator and runtime never import each other; core imports only api', () => {
    expect(ALLOWED.operator).not.toContain('runtime');
    expect(ALLOWED.runtime).not.toContain('operator');
    expect(ALLOWED.kube).not.toContain('operator');
    expect(ALLOWED.telemetry).not.toContain('runtime');
    expect(ALLOWED.core).toEqual(['api']);
  });

  it('catches a broken import (the checker is not blind)', () => {
    const fake = {
      abs: join(SRC, 'core', 'x.ts'),
      rel: 'core/x.ts',
      part: 'core',
      text: "import { a } from '../operator/manager.ts';",
    };
    expect(importedParts(fake)).toEqual([{ part: 'operator', spec: '../operator/manager.ts' }]);
  });
});

describe('the pure core', () => {
  it('never reads the clock (time comes in as `now`)', () => {
    const reads = files
      .filter((f) => (f.part === 'core' || f.part === 'api') && !f.rel.endsWith('.test.ts'))
      .flatMap((f) =>
        f.text
          .split('\n')
          .map((line, i) => ({ line, n: i + 1 }))
          .filter(({ line }) => /Date\.now\(\)|new Date\(\)|performance\.now\(\)/.test(line))
          .map(({ n }) => `${f.rel}:${n}`),
      );
    expect(reads).toEqual([]);
  });
});

describe('file size', () => {
  it('no source file in src/ is over ~400 lines (tests aside)', () => {
    const big = files
      .filter((f) => !f.rel.endsWith('.test.ts'))
      .map((f) => ({ rel: f.rel, lines: f.text.split('\n').length }))
      .filter((f) => f.lines > 450)
      .map((f) => `${f.rel}: ${f.lines} lines`);
    expect(big).toEqual([]);
  });
});
