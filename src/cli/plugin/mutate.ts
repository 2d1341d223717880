// The one way a command changes a Chatbot: read it, decide the change purely, check it (activation
// validates), send a JSON merge patch with the read resourceVersion as a precondition (a 409 means
// someone else changed it first: read and decide again), and print what changed.
import type { Chatbot } from '../../api/schema.ts';
import { describeChanges, mergePatchOf, patchedLine } from './changes.ts';
import type { Context } from './context.ts';
import { PluginError } from './errors.ts';
import { type Cluster, ConflictError } from './kube.ts';
import type { Plan } from './plan.ts';

export interface Decision {
  plan: Plan;
  /** Words for an atom's new value (rollback: "revision 1 (support-ab12)"). */
  labels?: Record<string, string>;
  /** Why nothing changed, when nothing did. */
  whyUnchanged?: string;
  /** Runs before the patch, on the chatbot as it would be after it; throws to refuse. */
  check?: (after: Chatbot) => Promise<void> | void;
  /** Printed after the change line (e.g. the next scheduled action). */
  after?: (after: Chatbot) => string[];
}

const ATTEMPTS = 3;

export async function mutate(
  ctx: Context,
  cluster: Cluster,
  name: string,
  decide: (cb: Chatbot) => Promise<Decision> | Decision,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const cb = await cluster.getChatbot(name);
    const d = await decide(cb);
    const before = { annotations: cb.metadata.annotations ?? {}, spec: cb.spec ?? {} };
    const changes = describeChanges(before, d.plan.after, d.labels);
    const next: Chatbot = {
      ...cb,
      metadata: { ...cb.metadata, annotations: d.plan.after.annotations },
      spec: d.plan.after.spec,
    };
    if (changes.length === 0) {
      ctx.io.stdout(patchedLine(name, [], d.whyUnchanged));
      for (const w of d.plan.warnings) ctx.io.stderr(`${w}\n`);
      return 0;
    }
    await d.check?.(next);
    const patch = mergePatchOf(before, d.plan.after, cb.metadata.resourceVersion)!;
    try {
      await cluster.patchChatbot(name, patch);
    } catch (err) {
      if (err instanceof ConflictError && attempt < ATTEMPTS) continue;
      if (err instanceof ConflictError) {
        throw new PluginError(`chatbot ${name} keeps changing under us (${ATTEMPTS} conflicts): try again`);
      }
      throw err;
    }
    ctx.io.stdout(patchedLine(name, changes));
    for (const l of d.after?.(next) ?? []) ctx.io.stdout(`${l}\n`);
    for (const w of d.plan.warnings) ctx.io.stderr(`${w}\n`);
    return 0;
  }
}
