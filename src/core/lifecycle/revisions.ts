// Revisions of a chatbot's definition (step: owned revisions): content-addressed, so the same
// definition (a rollback) maps to the same ControllerRevision; the last valid one serves.
import { createHash } from 'node:crypto';
import type { Definition } from '../../api/schema.ts';
import type { Drain } from './drains.ts';
import type { DecisionContext } from './observed.ts';

/** JSON with object keys sorted, so equal definitions hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function definitionHash(def: Definition | undefined): string {
  return createHash('sha256')
    .update(canonicalJson(def ?? {}))
    .digest('hex')
    .slice(0, 10);
}

/** ControllerRevision name: <chatbot>-<hash>, within the 253-character name limit. */
export function revisionName(chatbotName: string, def: Definition | undefined): string {
  return `${chatbotName.slice(0, 240)}-${definitionHash(def)}`;
}

export interface RevisionInfo {
  name: string;
  revision: number;
}

/**
 * Revisions to delete: beyond `limit` old ones (newest kept), never the serving one nor one
 * whose sessions are still draining.
 */
export function revisionsToPrune(
  existing: readonly RevisionInfo[],
  keep: ReadonlySet<string>,
  limit: number,
): string[] {
  const old = existing.filter((r) => !keep.has(r.name)).sort((a, b) => b.revision - a.revision);
  return old.slice(Math.max(0, limit)).map((r) => r.name);
}

export interface OwnedRevisions {
  /** The ControllerRevision to create for the current (valid) definition, when none exists yet. */
  createRevision?: string;
  /** Old revisions past spec.revisionHistoryLimit. */
  pruneRevisions: string[];
}

/** What to do with the ControllerRevisions this bot owns; never creates one for a bot being deleted. */
export function ownedRevisions(ctx: DecisionContext, draining: readonly Drain[]): OwnedRevisions {
  const { currentRevision, knownRevisions, revision } = ctx;
  const missing = currentRevision !== undefined && !knownRevisions.some((r) => r.name === currentRevision);
  const keep = new Set<string>([...(revision ? [revision] : []), ...draining.map((d) => d.revision)]);
  return {
    ...(missing && !ctx.deleting ? { createRevision: currentRevision } : {}),
    pruneRevisions: revisionsToPrune(knownRevisions, keep, ctx.spec.revisionHistoryLimit ?? 5),
  };
}
