// Writes crds/ from src/api (make manifests).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrds } from '../src/api/crds.ts';

for (const { file, yaml } of renderCrds()) {
  writeFileSync(join(import.meta.dirname, '..', 'crds', file), yaml);
  console.log(`crds/${file}`);
}
