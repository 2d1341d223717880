// Guarded reading of a spec of any shape. The validator first turns its input into plain JSON
// (toJson), so these helpers only have to deal with wrong types, never with getters or cycles.
import * as check from '../../api/check.ts';

// The manifest path format is src/api/check.ts's; bound here once (see the note in buttons.ts).
export const appendIndex = check.appendIndex;
export const appendKey = check.appendKey;

export type JsonObject = Record<string, unknown>;

export const isRecord = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value when it is an array, otherwise an empty one. */
export const arrayAt = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The value when it is a string, otherwise undefined. */
export const stringAt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A string with nothing but whitespace (or nothing at all). */
export const isBlank = (s: string): boolean => s.trim().length === 0;

/** Length as a channel counts it: in Unicode code points, not UTF-16 units. */
export const charCount = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Shortens a value for a message. */
/** A value in double quotes for a message, cut to `max` characters. */
export const quote = (s: string, max = 100): string =>
  JSON.stringify(charCount(s) > max ? `${[...s].slice(0, max).join('')}…` : s);

export interface ElementVisit {
  element: JsonObject;
  path: string;
  dialogIndex: number;
  elementIndex: number;
}

/** Every element (an object) of every dialog, with its manifest path. */
export function elementsOf(spec: JsonObject): ElementVisit[] {
  const out: ElementVisit[] = [];
  const definition = spec.definition;
  if (!isRecord(definition)) return out;
  arrayAt(definition.dialogs).forEach((dialog, dialogIndex) => {
    if (!isRecord(dialog)) return;
    const dialogPath = appendIndex('spec.definition.dialogs', dialogIndex);
    arrayAt(dialog.elements).forEach((element, elementIndex) => {
      if (!isRecord(element)) return;
      out.push({
        element,
        path: appendIndex(`${dialogPath}.elements`, elementIndex),
        dialogIndex,
        elementIndex,
      });
    });
  });
  return out;
}

export interface ButtonVisit {
  item: JsonObject;
  path: string;
}

/** The button items (objects) of a buttons element. */
export function buttonItemsOf(buttons: JsonObject, buttonsPath: string): ButtonVisit[] {
  const out: ButtonVisit[] = [];
  arrayAt(buttons.items).forEach((item, i) => {
    if (isRecord(item)) out.push({ item, path: appendIndex(`${buttonsPath}.items`, i) });
  });
  return out;
}
