// Every manifest in examples/ (the error examples too: their issues are status issues, not API
// rejections) is accepted by the real API server with the CRDs and CEL rules from crds/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kubectl, newNamespace } from '../support/cluster.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .sort();
}

const files = yamlFiles(EXAMPLES);

describe('examples/', () => {
  it('has the examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['examples/whatsapp-minimal.yaml', 'examples/errors/button-message-empty.yaml']),
    );
  });

  it.each(files)('%s applies with kubectl into a fresh namespace', async (file) => {
    const ns = await newNamespace('ex');
    const text = readFileSync(join(ROOT, file), 'utf8');
    const expected = parseAllDocuments(text as string)
      .flatMap((d) => (d.contents ? [d.toJS() as { kind: string; metadata: { name: string } }] : []))
      .map((o) => `${o.kind.toLowerCase()}.chatbots.dev/${o.metadata.name}`)
      .sort();
    expect(expected.length).toBeGreaterThan(0);

    const out = await kubectl(['apply', '-n', ns, '-f', join(ROOT, file)]);
    expect(out.trim().split('\n')).toHaveLength(expected.length);
    const stored = (await kubectl(['get', 'chatbots,senders', '-n', ns, '-o', 'name']))
      .trim()
      .split('\n')
      .sort();
    expect(stored).toEqual(expected);
  });
});
