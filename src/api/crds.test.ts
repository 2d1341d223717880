import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCrds } from './crds.ts';

const crdDir = join(import.meta.dirname, '..', '..', 'crds');

describe('crds/', () => {
  it.each(renderCrds())('$file is up to date with src/api (run `make manifests`)', ({ file, yaml }) => {
    expect(readFileSync(join(crdDir, file), 'utf8')).toBe(yaml);
  });

  it('declares the status subresource, short names and printer columns users rely on', () => {
    const [chatbots, senders] = renderCrds().map((c) => parse(c.yaml));
    const cols = (crd: {
      spec: { versions: { additionalPrinterColumns: { name: string; priority?: number }[] }[] };
    }) => crd.spec.versions[0]!.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name);
    expect(cols(chatbots)).toEqual(['Channel', 'Sender', 'State', 'Valid', 'Next', 'Age']);
    expect(chatbots.spec.names.shortNames).toEqual(['cb']);
    expect(senders.spec.names.shortNames).toEqual(['sdr']);
    expect(chatbots.spec.versions[0].subresources).toEqual({ status: {} });
    expect(senders.spec.versions[0].subresources).toEqual({ status: {} });
  });
});
