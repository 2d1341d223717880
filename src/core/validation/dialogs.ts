// The dialog graph: names are unique, every reference names a dialog (or a declared intent), the
// start dialog exists, and every dialog can be reached.
//
// Edges: element goTo, button goTo, route intents/keywords goTo and route otherwise. A dialog is
// reachable when a chain of edges leads to it from startDialog or fallbackDialog (the fallback is
// entered by the runtime when nothing else matches). A duplicate name refers to its first dialog.
import { issue } from './codes.ts';
import * as read from './read.ts';
import type { Issue } from './types.ts';

// Bound once: called in loops, and under vitest's module runner every call through an
// imported binding goes through an export getter (it made the benchmark ~25% slower).
const { appendIndex, arrayAt, isBlank, isRecord, quote, stringAt } = read;
type JsonObject = read.JsonObject;

interface Reference {
  target: string;
  path: string;
  from: number;
}

/** Every dialog reference inside the dialogs, with the index of the dialog it is in. */
function referencesOf(dialogs: unknown[]): { refs: Reference[]; intentRefs: Reference[] } {
  const refs: Reference[] = [];
  const intentRefs: Reference[] = [];
  const add = (list: Reference[], v: unknown, path: string, from: number) => {
    if (typeof v === 'string') list.push({ target: v, path, from });
  };
  dialogs.forEach((dialog, from) => {
    if (!isRecord(dialog)) return;
    arrayAt(dialog.elements).forEach((element, e) => {
      if (!isRecord(element)) return;
      const path = appendIndex(`${appendIndex('spec.definition.dialogs', from)}.elements`, e);
      add(refs, element.goTo, `${path}.goTo`, from);
      if (isRecord(element.buttons)) {
        arrayAt(element.buttons.items).forEach((item, i) => {
          if (isRecord(item)) add(refs, item.goTo, `${appendIndex(`${path}.buttons.items`, i)}.goTo`, from);
        });
      }
      const route = element.route;
      if (!isRecord(route)) return;
      arrayAt(route.intents).forEach((r, i) => {
        if (!isRecord(r)) return;
        const rp = appendIndex(`${path}.route.intents`, i);
        add(intentRefs, r.intent, `${rp}.intent`, from);
        add(refs, r.goTo, `${rp}.goTo`, from);
      });
      arrayAt(route.keywords).forEach((r, i) => {
        if (isRecord(r)) add(refs, r.goTo, `${appendIndex(`${path}.route.keywords`, i)}.goTo`, from);
      });
      add(refs, route.otherwise, `${path}.route.otherwise`, from);
    });
  });
  return { refs, intentRefs };
}

export function checkDialogs(spec: JsonObject): Issue[] {
  const issues: Issue[] = [];
  const definition = spec.definition;
  if (!isRecord(definition)) {
    issues.push(
      issue(
        'StartDialogMissing',
        'spec.definition',
        'The chatbot has no definition, so it has no start dialog',
        'Add spec.definition with dialogs and a startDialog.',
      ),
    );
    return issues;
  }
  const dialogs = arrayAt(definition.dialogs);

  // Names: first occurrence wins.
  const byName = new Map<string, number>();
  dialogs.forEach((dialog, i) => {
    if (!isRecord(dialog)) return;
    const name = stringAt(dialog.name);
    const dialogPath = appendIndex('spec.definition.dialogs', i);
    if (Array.isArray(dialog.elements) && dialog.elements.length === 0) {
      issues.push(
        issue(
          'EmptyDialog',
          `${dialogPath}.elements`,
          `Dialog ${quote(name ?? '')} has no elements`,
          'Add elements to the dialog or remove it.',
        ),
      );
    }
    if (name === undefined) return;
    const first = byName.get(name);
    if (first !== undefined) {
      issues.push(
        issue(
          'DuplicateDialog',
          `${dialogPath}.name`,
          `Dialog name ${quote(name)} is already used by spec.definition.dialogs[${first}]`,
          'Give every dialog a unique name.',
        ),
      );
    } else {
      byName.set(name, i);
    }
  });

  if (dialogs.length === 0) {
    issues.push(
      issue(
        'StartDialogMissing',
        'spec.definition.dialogs',
        'The chatbot has no dialogs',
        'Add at least one dialog and name it in spec.definition.startDialog.',
      ),
    );
  }

  const unknownDialog = (target: string, path: string, what: string) =>
    issues.push(
      issue(
        'UnknownDialog',
        path,
        `${what} ${quote(target)} does not exist`,
        byName.size > 0
          ? `Use the name of one of the dialogs: ${[...byName.keys()]
              .slice(0, 10)
              .map((n) => quote(n, 40))
              .join(', ')}${byName.size > 10 ? ', …' : ''}.`
          : 'Add the dialog to spec.definition.dialogs.',
      ),
    );

  const roots: number[] = [];
  const start = definition.startDialog;
  if (start === undefined || start === null || (typeof start === 'string' && isBlank(start))) {
    if (dialogs.length > 0) {
      issues.push(
        issue(
          'StartDialogMissing',
          'spec.definition.startDialog',
          'No start dialog: spec.definition.startDialog is not set',
          'Set spec.definition.startDialog to the dialog every new session starts in.',
        ),
      );
    }
  } else if (typeof start === 'string') {
    const i = byName.get(start);
    if (i === undefined) unknownDialog(start, 'spec.definition.startDialog', 'Start dialog');
    else roots.push(i);
  }
  const fallback = stringAt(definition.fallbackDialog);
  if (fallback !== undefined) {
    const i = byName.get(fallback);
    if (i === undefined) unknownDialog(fallback, 'spec.definition.fallbackDialog', 'Fallback dialog');
    else roots.push(i);
  }

  const { refs, intentRefs } = referencesOf(dialogs);
  const edges = new Map<number, number[]>();
  for (const ref of refs) {
    const to = byName.get(ref.target);
    if (to === undefined) {
      unknownDialog(ref.target, ref.path, 'Dialog');
      continue;
    }
    const list = edges.get(ref.from) ?? [];
    list.push(to);
    edges.set(ref.from, list);
  }

  const declaredIntents = new Set<string>();
  for (const intent of arrayAt(definition.intents)) {
    const name = isRecord(intent) ? stringAt(intent.name) : undefined;
    if (name !== undefined) declaredIntents.add(name);
  }
  for (const ref of intentRefs) {
    if (!declaredIntents.has(ref.target)) {
      issues.push(
        issue(
          'UnknownIntent',
          ref.path,
          `Intent ${quote(ref.target)} is not declared in spec.definition.intents`,
          declaredIntents.size > 0
            ? `Use one of the declared intents: ${[...declaredIntents]
                .slice(0, 10)
                .map((n) => quote(n, 40))
                .join(', ')}${declaredIntents.size > 10 ? ', …' : ''}.`
            : 'Declare the intent with its training phrases in spec.definition.intents.',
        ),
      );
    }
  }

  // Reachability only means something once the start dialog is known.
  if (roots.length > 0 && typeof start === 'string' && byName.has(start)) {
    const seen = new Set<number>(roots);
    const queue = [...roots];
    while (queue.length > 0) {
      const from = queue.pop()!;
      for (const to of edges.get(from) ?? []) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    for (const [name, i] of byName) {
      if (!seen.has(i)) {
        issues.push(
          issue(
            'UnreachableDialog',
            appendIndex('spec.definition.dialogs', i),
            `Dialog ${quote(name)} cannot be reached from the start dialog ${quote(start)}${fallback !== undefined && byName.has(fallback) ? ` or the fallback dialog ${quote(fallback)}` : ''}`,
            'Add a goTo, button or route that leads to it, or remove the dialog.',
          ),
        );
      }
    }
  }
  return issues;
}
