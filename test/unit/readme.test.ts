// The README stays true: every validation code and every make target it names exists, and
// every code the validator can report is documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CODES } from '../../src/core/validation/codes.ts';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const makefile = readFileSync(join(root, 'Makefile'), 'utf8');

describe('README.md', () => {
  it.each(ALL_CODES.map((c) => [c.code, c.severity]))('documents %s under %s', (code, severity) => {
    const section =
      readme.split(severity === 'Error' ? '\nErrors: ' : '\nWarnings: ')[1]?.split('\n\n')[0] ?? '';
    expect(section).toContain(`\`${code}\``);
  });

  it('names only make targets the Makefile has', () => {
    const targets = [...readme.matchAll(/`make ([a-z0-9-]+)`/g)].map((m) => m[1]!);
    expect(targets).toEqual(expect.arrayContaining(['demo', 'test']));
    for (const t of new Set(targets)) expect(makefile).toMatch(new RegExp(`^${t}:`, 'm'));
  });
});
