// The image, checked without a Docker engine: base images pinned, a non-root user, and every
// entry point the image, deploy/ and package.json name exists in the compiled output and starts
// (`--help` exits 0 with its usage).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, '.tmp', 'image');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Every `dist/src/...js` the image runs: its CMD, the Deployments' args, package.json's bins. */
function entryPoints(): string[] {
  const found = new Set<string>();
  const add = (text: string) => {
    for (const m of text.matchAll(/dist\/src\/[\w/-]+\.js/g)) found.add(m[0]);
  };
  add(
    dockerfile
      .split('\n')
      .filter((l) => /^(CMD|ENTRYPOINT)/.test(l))
      .join('\n'),
  );
  for (const f of readdirSync(join(ROOT, 'deploy')).filter((f) => f.endsWith('.yaml'))) {
    add(readFileSync(join(ROOT, 'deploy', f), 'utf8'));
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  add(Object.values(pkg.bin).join('\n'));
  return [...found].sort();
}

describe('Dockerfile', () => {
  it('pins every base image to an exact version or a digest, Node 24', () => {
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThanOrEqual(2); // multi-stage
    for (const image of froms) {
      expect(image, image).toMatch(/@sha256:[0-9a-f]{64}$|:\d+\.\d+\.\d+(-[\w.-]+)?$/);
      expect(image).toMatch(/^node:24\./);
    }
  });

  it('runs as a non-root user in the final stage, with production dependencies only', () => {
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(final).not.toMatch(/COPY\s+(--from=\S+\s+)?\S*src\/?\s+\.\/src/); // no TypeScript sources at run time
  });

  describe('entry points', () => {
    beforeAll(async () => {
      rmSync(OUT, { recursive: true, force: true });
      // The image's build step (npm run build), into a scratch folder of the repository, so the
      // compiled files resolve the same node_modules.
      await run(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          OUT,
        ],
        {
          cwd: ROOT,
        },
      );
    }, 300_000);

    it('names at least the operator, the runtime and the CLI', () => {
      expect(entryPoints()).toEqual(
        expect.arrayContaining([
          'dist/src/operator/main.js',
          'dist/src/runtime/main.js',
          'dist/src/cli/chatbot.js',
        ]),
      );
    });

    it.each(entryPoints())(
      '%s exists in the build and starts with --help',
      async (entry) => {
        const file = join(OUT, entry.replace(/^dist\//, ''));
        expect(existsSync(file), file).toBe(true);
        const { stdout } = await run(process.execPath, [file, '--help'], { cwd: ROOT, timeout: 60_000 });
        expect(stdout).toMatch(/^Usage:|^chatbot-\w+ \[flags\]/m); // its usage, whichever form
      },
      90_000,
    );
  });
});
