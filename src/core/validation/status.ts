// What a validation result looks like to a user: the `status.validation` block of a Chatbot, and the
// one-line message of its Validated, Ready and Stalled conditions (and of a Sender's). The one place
// both are built: the Chatbot and the Sender decisions call these.
import type { Issue } from './types.ts';

/** At most this many issues are listed in status.validation.issues (the CRD's maxItems). */
export const STATUS_ISSUE_LIMIT = 100;
/**
 * And at most this many bytes of them (JSON): the status shares the Chatbot's etcd object (1.5 MiB)
 * with a definition of up to DEFINITION_MAX_BYTES, so the issues listed never push it over.
 */
export const STATUS_ISSUE_BYTES = 64 * 1024;

/** How many issues block activation (errors) and how many do not (warnings). */
export interface IssueSummary {
  errors: number;
  warnings: number;
}

export function summarize(issues: readonly Issue[]): IssueSummary {
  let errors = 0;
  for (const i of issues) if (i.severity === 'Error') errors++;
  return { errors, warnings: issues.length - errors };
}

/** The `status.validation` block of a Chatbot. */
export interface ValidationStatus extends IssueSummary {
  /** "errors/warnings", e.g. "1/2", for kubectl get. */
  summary: string;
  issues: Issue[];
  /** Issues left out of `issues` (present only when some were). */
  omitted?: number;
}

/**
 * The `status.validation` block: counts of every issue, and the issues themselves. When they all fit
 * they are listed as given (the validator's order: by path); when there are more than `limit`, errors
 * come first (each group in the given order), so a long list of warnings never hides what blocks
 * activation, and the rest are counted in `omitted`.
 */
export function validationStatus(
  issues: readonly Issue[],
  limit = STATUS_ISSUE_LIMIT,
  maxBytes = STATUS_ISSUE_BYTES,
): ValidationStatus {
  const { errors, warnings } = summarize(issues);
  const max = Math.max(0, limit);
  let listed =
    issues.length <= max
      ? [...issues]
      : [
          ...issues.filter((i) => i.severity === 'Error'),
          ...issues.filter((i) => i.severity !== 'Error'),
        ].slice(0, max);
  if (bytesOf(listed) > maxBytes) {
    // Too many bytes: errors first again, and as many as fit.
    const ordered = [
      ...listed.filter((i) => i.severity === 'Error'),
      ...listed.filter((i) => i.severity !== 'Error'),
    ];
    listed = [];
    let bytes = 0;
    for (const i of ordered) {
      bytes += JSON.stringify(i).length;
      if (bytes > maxBytes) break;
      listed.push(i);
    }
  }
  return {
    errors,
    warnings,
    summary: `${errors}/${warnings}`,
    issues: listed,
    ...(issues.length > listed.length ? { omitted: issues.length - listed.length } : {}),
  };
}

/** The JSON bytes (UTF-16 units) of a list of issues, about what the status holds. */
function bytesOf(issues: readonly Issue[]): number {
  let n = 0;
  for (const i of issues) n += JSON.stringify(i).length;
  return n;
}

/** How many errors a condition message names by location. */
const ERRORS_NAMED = 3;

/**
 * The condition message of a validation result: "3 errors; first: path: message; path: message",
 * "2 warnings; no errors", or "No issues". Only errors are named: warnings never block.
 */
export function validationMessage(issues: readonly Issue[]): string {
  const { errors, warnings } = summarize(issues);
  if (errors === 0) return warnings === 0 ? 'No issues' : `${plural(warnings, 'warning')}; no errors`;
  const first = issues
    .filter((i) => i.severity === 'Error')
    .slice(0, ERRORS_NAMED)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  return `${plural(errors, 'error')}; first: ${first}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
