// Validator benchmarks (Vitest 5 `bench` fixture): `npx vitest bench --run --project unit bench/validation.bench.ts`.
//
// Targets: validating a generated 500-dialog bot <= 50 ms; the IntentConfusion check on 50 intents x
// 20 phrases <= 2 s. Each benchmark runs next to a baseline measured in the same run (copying the
// same bot with structuredClone and JSON.parse), and the printed summary gives the ratio to it, so
// figures from different machines can be compared. Figures are medians (p50) of the run.
import { expect, test } from 'vitest';
import { findIntentConfusions } from '../src/core/intents/index.ts';
import {
  contextWith,
  exampleSender,
  generateChatbot,
  generateIntents,
} from '../src/core/validation/fixtures.ts';
import { validateChatbot } from '../src/core/validation/index.ts';

const context = contextWith(exampleSender());
// 500 dialogs of 5 elements each (text, 3 buttons, user input, a route, a goTo) and 3 routed intents
// of 12 phrases each (their confusion check is exact leave-one-out: 36 trainings).
const bot500 = generateChatbot(500, 3, 12);
const bot500Json = JSON.stringify(bot500);
const intents50x20 = generateIntents(50, 20);

const VALIDATE_TARGET_MS = 50;
const CONFUSION_TARGET_MS = 2000;

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(2));
const print = (lines: string[]) => process.stdout.write(`\n${lines.join('\n')}\n\n`);

test('validate a generated 500-dialog bot (target <= 50 ms)', async ({ bench }) => {
  expect(validateChatbot(bot500, context).filter((i) => i.severity === 'Error')).toEqual([]);
  const result = await bench.compare(
    bench('validateChatbot (500 dialogs)', () => {
      validateChatbot(bot500, context);
    }),
    bench('baseline: structuredClone of the same bot', () => {
      structuredClone(bot500);
    }),
    bench('baseline: JSON.parse of the same bot', () => {
      JSON.parse(bot500Json);
    }),
    { time: 2000, iterations: 20, warmupIterations: 5, warmupTime: 200 },
  );
  const validate = result.get('validateChatbot (500 dialogs)').latency.p50;
  const clone = result.get('baseline: structuredClone of the same bot').latency.p50;
  const parse = result.get('baseline: JSON.parse of the same bot').latency.p50;
  print([
    `500-dialog bot (${(bot500Json.length / 1024).toFixed(0)} KiB of JSON, 3 intents x 12 phrases), p50 of this run:`,
    `  validateChatbot           ${fmt(validate)} ms  (target ${VALIDATE_TARGET_MS} ms)`,
    `  baseline structuredClone  ${fmt(clone)} ms  -> validate takes ${(validate / clone).toFixed(1)}x structuredClone`,
    `  baseline JSON.parse       ${fmt(parse)} ms  -> validate takes ${(validate / parse).toFixed(1)}x JSON.parse`,
  ]);
  expect(validate).toBeLessThanOrEqual(VALIDATE_TARGET_MS);
});

test('IntentConfusion check on 50 intents x 20 phrases (target <= 2 s)', async ({ bench }) => {
  const report = findIntentConfusions(intents50x20);
  const result = await bench.compare(
    bench('findIntentConfusions (50 x 20)', () => {
      findIntentConfusions(intents50x20);
    }),
    bench('baseline: structuredClone of the 500-dialog bot', () => {
      structuredClone(bot500);
    }),
    { time: 0, iterations: 5, warmupIterations: 1, warmupTime: 0 },
  );
  const confusion = result.get('findIntentConfusions (50 x 20)').latency.p50;
  const clone = result.get('baseline: structuredClone of the 500-dialog bot').latency.p50;
  print([
    `IntentConfusion, 50 intents x 20 phrases (${report.folds} folds, exact leave-one-out: ${report.exact}), p50 of this run:`,
    `  findIntentConfusions      ${fmt(confusion)} ms  (target ${CONFUSION_TARGET_MS} ms; ${report.confusions.length} of ${report.phrases} phrases matched to another intent)`,
    `  baseline structuredClone  ${fmt(clone)} ms  -> the check takes ${(confusion / clone).toFixed(0)}x structuredClone of the 500-dialog bot`,
  ]);
  expect(report.checked).toBe(true);
  expect(confusion).toBeLessThanOrEqual(CONFUSION_TARGET_MS);
});
