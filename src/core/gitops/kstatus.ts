// kstatus, the status rules Flux (kustomize-controller's health checks, `flux` CLI), kpt and
// cli-utils' status poller apply to any Kubernetes object, written out in TypeScript so a test can
// hold our Chatbot and Sender statuses against them. It follows sigs.k8s.io/cli-utils
// pkg/kstatus/status Compute() (generic.go, status.go) for a kind with no built-in rule, which is
// every custom resource, in the same order:
//   1. metadata.deletionTimestamp set                     -> Terminating
//   2. status.observedGeneration present and not equal to
//      metadata.generation                                -> InProgress (LatestGenerationNotObserved)
//   3. the first condition, in list order, that is
//      Reconciling=True -> InProgress, or Stalled=True -> Failed
//   4. a Ready condition: True -> Current; False or Unknown -> InProgress
//   5. otherwise (no status, no conditions)               -> Current ("Resource is current")
// A field of the wrong type makes Compute() fail, which the status poller reports as Unknown; an
// object that does not exist is NotFound. Pure: no I/O, no clock.

/** The statuses kstatus gives a resource. */
export type KStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';

/** The standard condition kstatus adds to its result (abnormal-true: Reconciling or Stalled). */
export interface KStatusCondition {
  type: 'Reconciling' | 'Stalled';
  status: 'True';
  reason: string;
  message: string;
}

export interface KStatusResult {
  status: KStatus;
  message: string;
  conditions: KStatusCondition[];
}

const inProgress = (reason: string, message: string): KStatusResult => ({
  status: 'InProgress',
  message,
  conditions: [{ type: 'Reconciling', status: 'True', reason, message }],
});

const failed = (reason: string, message: string): KStatusResult => ({
  status: 'Failed',
  message,
  conditions: [{ type: 'Stalled', status: 'True', reason, message }],
});

/** What Compute() cannot read (a field of the wrong type): the poller's Unknown. */
class Unreadable extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** unstructured.NestedFieldNoCopy: found when every map on the way exists and has the last key. */
function nested(obj: Json, ...path: string[]): { found: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const [i, key] of path.entries()) {
    if (!isObject(cur)) {
      // A non-map on the way: not found, unless it is where a map had to be (an error in Go).
      if (cur === undefined || cur === null) return { found: false, value: undefined };
      throw new Unreadable(`${path.slice(0, i).join('.')} accessor error: ${typeOf(cur)}, expected map`);
    }
    if (!(key in cur)) return { found: false, value: undefined };
    cur = cur[key];
  }
  return { found: true, value: cur };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** unstructured.NestedInt64: a JSON integer, or an error. */
function nestedInt(obj: Json, ...path: string[]): number | undefined {
  const { found, value } = nested(obj, ...path);
  if (!found) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Unreadable(
      `${path.join('.')} accessor error: ${String(value)} is of the type ${typeOf(value)}, expected int64`,
    );
  }
  return value;
}

/** unstructured.NestedString: a string, or an error. */
function nestedString(obj: Json, ...path: string[]): string | undefined {
  const { found, value } = nested(obj, ...path);
  if (!found) return undefined;
  if (typeof value !== 'string') {
    throw new Unreadable(
      `${path.join('.')} accessor error: ${String(value)} is of the type ${typeOf(value)}, expected string`,
    );
  }
  return value;
}

interface BasicCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** GetObjectWithConditions: status.conditions decoded into {type, status, reason, message}. */
function conditionsOf(obj: Json): BasicCondition[] {
  const status = obj.status;
  if (status === undefined || status === null) return [];
  if (!isObject(status)) throw new Unreadable(`status is of the type ${typeOf(status)}, expected an object`);
  const list = status.conditions;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list))
    throw new Unreadable(`status.conditions is of the type ${typeOf(list)}, expected a list`);
  return list.map((c, i) => {
    if (c === null) return { type: '', status: '', reason: '', message: '' };
    if (!isObject(c))
      throw new Unreadable(`status.conditions[${i}] is of the type ${typeOf(c)}, expected an object`);
    const field = (k: string): string => {
      const v = c[k];
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') {
        throw new Unreadable(`status.conditions[${i}].${k} is of the type ${typeOf(v)}, expected string`);
      }
      return v;
    };
    return {
      type: field('type'),
      status: field('status'),
      reason: field('reason'),
      message: field('message'),
    };
  });
}

/**
 * The kstatus of an object as the API server returns it (`kubectl get -o json`); undefined or null
 * for an object that does not exist.
 */
export function kstatusOf(obj: unknown): KStatusResult {
  if (obj === undefined || obj === null) {
    return { status: 'NotFound', message: 'Resource not found', conditions: [] };
  }
  if (!isObject(obj)) {
    return { status: 'Unknown', message: `not an object: ${typeOf(obj)}`, conditions: [] };
  }
  try {
    return compute(obj);
  } catch (e) {
    if (e instanceof Unreadable) return { status: 'Unknown', message: e.message, conditions: [] };
    throw e;
  }
}

function compute(obj: Json): KStatusResult {
  // 1. Scheduled for deletion.
  const deletion = nestedString(obj, 'metadata', 'deletionTimestamp');
  if (deletion !== undefined && deletion !== '') {
    return { status: 'Terminating', message: 'Resource scheduled for deletion', conditions: [] };
  }
  // 2. The controller has not observed the latest generation (checked only when both are there).
  const generation = nestedInt(obj, 'metadata', 'generation');
  if (generation !== undefined) {
    const observed = nestedInt(obj, 'status', 'observedGeneration');
    if (observed !== undefined && observed !== generation) {
      const kind = typeof obj.kind === 'string' ? obj.kind : '';
      return inProgress(
        'LatestGenerationNotObserved',
        `${kind} generation is ${generation}, but latest observed generation is ${observed}`,
      );
    }
  }
  // 3. The standard conditions, the first one that is True in list order.
  const conditions = conditionsOf(obj);
  for (const c of conditions) {
    if (c.type === 'Reconciling' && c.status === 'True') return inProgress(c.reason, c.message);
    if (c.type === 'Stalled' && c.status === 'True') return failed(c.reason, c.message);
  }
  // (No built-in rule for a custom resource's group/kind.)
  // 4. A Ready condition, widely used though not a kstatus condition.
  for (const c of conditions) {
    if (c.type !== 'Ready') continue;
    if (c.status === 'True') return { status: 'Current', message: 'Resource is Ready', conditions: [] };
    if (c.status === 'False' || c.status === 'Unknown') return inProgress(c.reason, c.message);
  }
  // 5. Nothing to go by.
  return { status: 'Current', message: 'Resource is current', conditions: [] };
}
