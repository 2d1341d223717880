// Go-style durations ("0s", "90s", "15m", "1h30m", "1.5h"), as the CRDs accept them.
import { DURATION_PATTERN } from '../api/rules.ts';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const FULL = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g;

/** Milliseconds of a duration string, or undefined when it is not one. */
export function parseDuration(s: string | undefined): number | undefined {
  if (typeof s !== 'string' || !FULL.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(PART)) ms += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return Math.round(ms);
}

/** parseDuration with a fallback for absent or malformed values (the API server defaults them). */
export function durationMs(s: string | undefined, fallback: string): number {
  return parseDuration(s) ?? parseDuration(fallback) ?? 0;
}
