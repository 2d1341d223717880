// The runtime schema check of a Chatbot or Sender spec: what the API server would reject, offline.
//
// - The structural schema (src/api/schema.ts) is compiled once with ajv; each ajv error becomes a
//   `SchemaViolation` issue whose path is a manifest path (`spec.definition.dialogs[2].name`).
// - Fields the schema does not declare are reported as `UnknownField` (kubectl's strict field
//   validation rejects them; an API server without it prunes them silently), and the spec is checked
//   the way the API server does it: after those fields are pruned.
// - The CEL rules of the CRDs (src/api/rules.ts) run through their TypeScript twins at the node the
//   CRD attaches them to; each failing rule is an issue with the rule's own code and message.
//
// Pure and total: any input (non-objects, cycles, getters that throw) yields a list, never a throw.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { type CelRule, chatbotSpecRules, durationRule, scheduleRules, senderSpecRules } from './rules.ts';
import { type Issue, schemas } from './schema.ts';

export type Kind = 'Chatbot' | 'Sender';

const KUBERNETES_KEYWORDS = [
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
];

// ajv-formats is CommonJS: the default import is module.exports, the plugin is its `default`.
const addFormats = ajvFormats.default;

function newAjv(useDefaults: boolean): Ajv {
  // strict: unknown keywords and loose types are compile errors instead of console warnings.
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults, logger: false });
  addFormats(ajv);
  ajv.addVocabulary(KUBERNETES_KEYWORDS);
  return ajv;
}

interface Compiled {
  validate: ValidateFunction;
  defaults: ValidateFunction;
}
let compiled: Record<Kind, Compiled> | undefined;

function compile(): Record<Kind, Compiled> {
  if (!compiled) {
    const checking = newAjv(false);
    const defaulting = newAjv(true);
    compiled = {
      Chatbot: {
        validate: checking.compile(schemas.Chatbot.spec),
        defaults: defaulting.compile(schemas.Chatbot.spec),
      },
      Sender: {
        validate: checking.compile(schemas.Sender.spec),
        defaults: defaulting.compile(schemas.Sender.spec),
      },
    };
  }
  return compiled;
}

// ---------------------------------------------------------------- paths

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends an object key to a manifest path: `.key`, or `["odd key"]` when it is not a plain name. */
export function appendKey(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Appends an array index to a manifest path: `[3]`. */
export function appendIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * Converts a JSON pointer into the spec (`/definition/dialogs/2/elements/0`) into a manifest path
 * (`spec.definition.dialogs[2].elements[0]`). Segments made of digits are array indexes.
 */
export function pointerToPath(pointer: string, root = 'spec'): string {
  if (pointer === '') return root;
  let path = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    path = /^(0|[1-9][0-9]*)$/.test(segment) ? appendIndex(path, Number(segment)) : appendKey(path, segment);
  }
  return path;
}

// ---------------------------------------------------------------- helpers

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A plain JSON copy of any value (what the API server would have decoded): functions, symbols and
 * undefined members are dropped, array holes and non-finite numbers become null, Dates become
 * RFC 3339 strings, a cycle is cut with null, and a `__proto__` key stays an ordinary own key.
 * Throws only when reading the value throws (a getter or a Proxy trap).
 */
export function toJson(value: unknown, seen = new Set<object>()): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'object') return undefined;
  if (seen.has(value)) return null;
  seen.add(value);
  try {
    if (Array.isArray(value)) return Array.from(value, (v) => toJson(v, seen) ?? null);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const v = toJson((value as JsonObject)[key], seen);
      if (v === undefined) continue;
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = v;
      }
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

// ---------------------------------------------------------------- unknown fields (pruning)

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
}

/**
 * Removes, in place, the fields of `value` that `schema` does not declare (what the API server's
 * pruning does with a structural schema) and reports each as an UnknownField issue.
 */
function prune(schema: SchemaNode, value: unknown, path: string, issues: Issue[]): void {
  if (Array.isArray(value)) {
    if (schema.type === 'array' && schema.items) {
      for (let i = 0; i < value.length; i++) prune(schema.items, value[i], appendIndex(path, i), issues);
    }
    return;
  }
  if (!isObject(value) || schema.type !== 'object') return;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const keyPath = appendKey(path, key);
    const declared = props && Object.hasOwn(props, key) ? props[key] : undefined;
    if (declared) {
      prune(declared, value[key], keyPath, issues);
    } else if (isObject(additional)) {
      prune(additional, value[key], keyPath, issues);
    } else if (additional !== true) {
      issues.push({
        severity: 'Error',
        code: 'UnknownField',
        path: keyPath,
        message: `unknown field ${JSON.stringify(key.length > 100 ? `${key.slice(0, 100)}…` : key)}`,
        hint:
          props && Object.keys(props).length > 0
            ? `Remove it or use one of the declared fields: ${Object.keys(props).join(', ')}.`
            : 'Remove it: the API server drops fields its schema does not declare.',
      });
      delete value[key];
    }
  }
}

// ---------------------------------------------------------------- ajv errors

function describe(error: ErrorObject): { path: string; message: string; hint: string } {
  const base = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path: appendKey(base, String(params.missingProperty)),
        message: `${String(params.missingProperty)} is required`,
        hint: `Add ${String(params.missingProperty)} here.`,
      };
    case 'enum':
      return {
        path: base,
        message: `must be one of ${((params.allowedValues as unknown[]) ?? []).map(String).join(', ')}`,
        hint: 'Use one of the allowed values (they are case-sensitive).',
      };
    case 'type':
      return {
        path: base,
        message: `must be of type ${String(params.type)}`,
        hint: `Write ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)} here.`,
      };
    case 'minProperties':
    case 'maxProperties':
      if (/elements\[[0-9]+\]$/.test(base)) {
        return {
          path: base,
          message:
            'an element must have exactly one of text, buttons, userInput, route, goTo, toAgent, closeSession',
          hint: 'Split it into one element per step.',
        };
      }
      break;
    case 'pattern':
      return {
        path: base,
        message: `must match the pattern ${String(params.pattern)}`,
        hint: 'Fix the format of this value.',
      };
    case 'format':
      return {
        path: base,
        message: `must be a valid ${String(params.format)}`,
        hint: 'Fix the format of this value.',
      };
    case 'maxLength':
    case 'maxItems':
    case 'minLength':
    case 'minItems':
    case 'minimum':
    case 'maximum':
      return {
        path: base,
        message: error.message ?? 'is out of range',
        hint: 'Bring the value within the limit.',
      };
  }
  return { path: base, message: error.message ?? 'is invalid', hint: 'Fix this value to match the schema.' };
}

function schemaIssues(errors: readonly ErrorObject[] | null | undefined): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const error of errors ?? []) {
    const { path, message, hint } = describe(error);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ severity: 'Error', code: 'SchemaViolation', path, message, hint });
  }
  return out;
}

// ---------------------------------------------------------------- CEL twins

function runRule<T>(rule: CelRule<T>, node: unknown, path: string, hint: string, issues: Issue[]): void {
  let ok: boolean;
  try {
    ok = rule.check(node as T);
  } catch {
    return; // the node has the wrong shape: the schema errors already say so
  }
  if (!ok) {
    issues.push({
      severity: 'Error',
      code: rule.code,
      path: rule.fieldPath ? `${path}${rule.fieldPath}` : path,
      message: rule.message,
      hint,
    });
  }
}

const RULE_HINTS: Record<string, string> = {
  InvalidDuration: 'Write a Go duration: a number followed by h, m, s or ms, e.g. 15m or 1h30m.',
  ScheduleTimeZoneMissing: 'Add schedule.timeZone, e.g. Europe/Zagreb.',
  ScheduleDeactivateBeforeActivate: 'Move deactivateAt after activateAt.',
  DeactivationWithoutActivation: 'Add schedule.activateAt (or windows), or set state: Active.',
  VerifiedNumberMissing: 'Add verifiedNumber with the number verified at signup, or set test: false.',
  AddressNotE164: 'Write the number with + and the country code and no spaces, e.g. +385911234567.',
  CredentialsMissing:
    'Add credentialsSecretRef.name: a Secret in this namespace with appSecret, accessToken, phoneNumberId and verifyToken.',
};
const hintFor = (code: string) => RULE_HINTS[code] ?? 'Fix the value so the rule holds.';

const DURATION_FIELDS = [
  ['takeover', 'gracePeriod'],
  ['redeploy', 'gracePeriod'],
  ['deactivation', 'gracePeriod'],
  ['sessionTimeout'],
] as const;

function celIssues(kind: Kind, spec: JsonObject): Issue[] {
  const issues: Issue[] = [];
  if (kind === 'Sender') {
    for (const rule of senderSpecRules) runRule(rule, spec, 'spec', hintFor(rule.code), issues);
    return issues;
  }
  for (const rule of chatbotSpecRules) runRule(rule, spec, 'spec', hintFor(rule.code), issues);
  if (isObject(spec.schedule)) {
    for (const rule of scheduleRules)
      runRule(rule, spec.schedule, 'spec.schedule', hintFor(rule.code), issues);
  }
  for (const fields of DURATION_FIELDS) {
    let node: unknown = spec;
    for (const f of fields) node = isObject(node) ? node[f] : undefined;
    if (typeof node === 'string') {
      runRule(durationRule, node, `spec.${fields.join('.')}`, hintFor(durationRule.code), issues);
    }
  }
  return issues;
}

// ---------------------------------------------------------------- public API

/**
 * Checks a Chatbot or Sender spec against the CRD schema and its CEL rules.
 * Returns SchemaViolation / UnknownField issues and one issue per failing CEL rule (its own code).
 */
export function checkSchema(kind: Kind, spec: unknown): Issue[] {
  let copy: unknown;
  try {
    copy = toJson(spec);
  } catch {
    copy = null; // unreadable (a throwing getter): report it as not an object
  }
  return checkJsonSpec(kind, copy);
}

/**
 * checkSchema for a spec that is already a plain JSON value (see toJson) owned by the caller: fields
 * the schema does not declare are removed from it in place, as the API server prunes them.
 */
export function checkJsonSpec(kind: Kind, spec: unknown): Issue[] {
  if (spec === undefined) {
    return [
      {
        severity: 'Error',
        code: 'SchemaViolation',
        path: 'spec',
        message: 'spec is required',
        hint: `Add the spec of the ${kind}.`,
      },
    ];
  }
  const { validate } = compile()[kind];
  const issues: Issue[] = [];
  prune(schemas[kind].spec as SchemaNode, spec, 'spec', issues);
  validate(spec);
  issues.push(...schemaIssues(validate.errors));
  if (isObject(spec)) issues.push(...celIssues(kind, spec));
  return issues;
}

/**
 * What the API server stores for a spec: a deep copy with the schema defaults filled in
 * (Chatbot: state Inactive, takeover {mode Graceful, gracePeriod 15m}, redeploy.gracePeriod 10m,
 * deactivation.gracePeriod 0s, sessionTimeout 30m, revisionHistoryLimit 5; Sender: test false).
 * Unknown fields are kept; the input is not modified.
 */
export function applyDefaults<T>(kind: Kind, spec: T): T {
  const copy = toJson(spec);
  if (isObject(copy)) compile()[kind].defaults(copy);
  return copy as T;
}
