// A change to a Chatbot is the same edit a GitOps user would make: the spec and annotations after
// the command, compared with before. From the two come the JSON merge patch sent to the API server
// (nulls for removed fields) and the line that tells the user what changed.
import jsonMergePatch from 'json-merge-patch';
import type { Chatbot } from '../../api/schema.ts';

/** The part of a Chatbot a command edits. */
export interface Editable {
  annotations: Record<string, string>;
  spec: Chatbot['spec'];
}

export function editable(cb: Chatbot): Editable {
  return {
    annotations: structuredClone(cb.metadata.annotations ?? {}),
    spec: structuredClone(cb.spec ?? {}),
  };
}

/** The merge patch from before to after, with resourceVersion as a precondition; undefined: no change. */
export function mergePatchOf(
  before: Editable,
  after: Editable,
  resourceVersion?: string,
): Record<string, unknown> | undefined {
  const patch = jsonMergePatch.generate(
    { metadata: { annotations: before.annotations }, spec: before.spec },
    { metadata: { annotations: after.annotations }, spec: after.spec },
  ) as { metadata?: Record<string, unknown>; spec?: unknown } | undefined;
  if (patch === undefined) return undefined;
  return {
    ...patch,
    metadata: { ...(patch.metadata ?? {}), ...(resourceVersion ? { resourceVersion } : {}) },
  };
}

/** Fields shown as one value (a whole definition is not listed leaf by leaf). */
const ATOMS = new Set(['spec.definition', 'spec.schedule.windows']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function child(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function leaves(value: unknown, path: string, out: Map<string, unknown>): void {
  if (isRecord(value) && !ATOMS.has(path)) {
    for (const [k, v] of Object.entries(value)) leaves(v, child(path, k), out);
  } else if (value !== undefined) {
    out.set(path, value);
  }
}

function flatten(e: Editable): Map<string, unknown> {
  const out = new Map<string, unknown>();
  leaves(e.annotations, 'metadata.annotations', out);
  leaves(e.spec, 'spec', out);
  return out;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return JSON.stringify(v);
}

/** spec.state first (what the user came for), then the spec, then the annotations; by path within. */
function rank(path: string): number {
  return path === 'spec.state' ? 0 : path.startsWith('spec.') ? 1 : 2;
}

/**
 * Each changed field as "path before -> after": spec.state first, then the other spec fields and
 * the annotations, each by path (the API server's key order is not the user's). `labels` names an
 * atom's new value in words (a rollback: "revision 1 (x)").
 */
export function describeChanges(
  before: Editable,
  after: Editable,
  labels: Record<string, string> = {},
): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort(
    (x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0),
  );
  const out: string[] = [];
  for (const path of paths) {
    const old = a.get(path);
    const v = b.get(path);
    if (JSON.stringify(old) === JSON.stringify(v)) continue;
    if (v !== undefined && labels[path]) out.push(`${path} -> ${labels[path]}`);
    else if (ATOMS.has(path) && old !== undefined && v !== undefined) out.push(`${path} changed`);
    else if (ATOMS.has(path) && v === undefined) out.push(`${path} (removed) -> (unset)`);
    else out.push(`${path} ${show(old)} -> ${show(v)}`);
  }
  return out;
}

/** kubectl's resource name: chatbot.chatbots.dev/NAME. */
export function resourceName(name: string): string {
  return `chatbot.chatbots.dev/${name}`;
}

/** "chatbot.chatbots.dev/support patched: spec.state Inactive -> Active, ..." or "... unchanged: why". */
export function patchedLine(
  name: string,
  changes: readonly string[],
  whyUnchanged = 'nothing to change',
): string {
  return changes.length > 0
    ? `${resourceName(name)} patched: ${changes.join(', ')}\n`
    : `${resourceName(name)} unchanged: ${whyUnchanged}\n`;
}
