// Maps an issue path (`spec.definition.dialogs[2].elements[0].buttons.items[1].caption`) to the
// line and column of the YAML node it names, so that `chatbot validate` can print file:line:col.
import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

/** 1-based line and column, as editors and compilers print them. */
export interface Position {
  line: number;
  column: number;
}

export interface Location extends Position {
  /** True when the node the path names exists; false when the position is its nearest ancestor's. */
  exact: boolean;
  /** The leading part of the path that was found in the document. */
  found: PathSegment[];
}

/**
 * Splits an issue path into segments: `a.b[2].c` → ['a', 'b', 2, 'c']. Brackets also take a quoted
 * key (`annotations["chatbots.dev/reactivate"]`) or a bare name, which in a list selects the item
 * whose `name` is that name (`dialogs[welcome]`). A leading `.` or `$` is ignored; '' is the root.
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = path.startsWith('$') ? 1 : 0;
  let key = '';
  const flush = () => {
    if (key !== '') segments.push(key);
    key = '';
  };
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === '.') {
      flush();
      i++;
    } else if (ch === '[') {
      flush();
      const quote = path[i + 1];
      if (quote === '"' || quote === "'") {
        const end = path.indexOf(`${quote}]`, i + 2);
        if (end < 0) {
          key = path.slice(i);
          break;
        }
        segments.push(path.slice(i + 2, end));
        i = end + 2;
      } else {
        const end = path.indexOf(']', i + 1);
        if (end < 0) {
          key = path.slice(i);
          break;
        }
        const inner = path.slice(i + 1, end);
        segments.push(/^[0-9]+$/.test(inner) ? Number(inner) : inner);
        i = end + 1;
      }
    } else {
      key += ch;
      i++;
    }
  }
  flush();
  return segments;
}

/** Formats segments back into the issue path notation. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export interface LocateOptions {
  /**
   * Where a map entry is reported: at its key (`caption:`, the default: the field the issue is
   * about) or at its value (`"Chatbot"` in `kind: Chatbot`: the value that is wrong).
   */
  at?: 'key' | 'value';
}

type AnyDocument = Document.Parsed | Document;

/** The offset of the document's first content node (or of the document when it is empty). */
function rootOffset(doc: AnyDocument): number {
  const contents = doc.contents as Node | null;
  return contents?.range?.[0] ?? doc.range?.[0] ?? 0;
}

function resolve(doc: AnyDocument, node: unknown): unknown {
  // An alias stands for its anchored node; a chain of aliases is bounded against cycles.
  let n = node;
  for (let d = 0; isAlias(n) && d < 32; d++) n = n.resolve(doc as Document);
  return n;
}

function keyValue(key: unknown): unknown {
  return isScalar(key) ? key.value : key;
}

/** `<<`: a merge key (a symbol when parsed with `merge: true`, the plain string otherwise). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.source === '<<' || key.value === '<<');
}

interface Step {
  node: unknown;
  keyOffset: number | undefined;
  valueOffset: number | undefined;
}

/** Finds the entry `key` in a map, following `<<` merge keys the way the YAML 1.1 merge does. */
function findInMap(
  doc: AnyDocument,
  map: unknown,
  key: PathSegment,
  seen = new Set<unknown>(),
): Step | undefined {
  if (!isMap(map) || seen.has(map)) return undefined;
  seen.add(map);
  const want = String(key);
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const k = keyValue(pair.key);
    if (typeof k !== 'symbol' && k !== null && typeof k !== 'object' && String(k) === want) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      return {
        node: pair.value,
        keyOffset: keyNode?.range?.[0],
        valueOffset: valueNode?.range?.[0] ?? keyNode?.range?.[0],
      };
    }
  }
  for (const pair of map.items) {
    if (!isPair(pair) || !isMergeKey(pair.key)) continue;
    const source = resolve(doc, pair.value);
    const sources = isSeq(source) ? source.items.map((s) => resolve(doc, s)) : [source];
    for (const s of sources) {
      const hit = findInMap(doc, s, key, seen);
      if (hit) return hit;
    }
  }
  return undefined;
}

function findInSeq(seq: unknown, key: PathSegment, doc: AnyDocument): Step | undefined {
  if (!isSeq(seq)) return undefined;
  let item: unknown;
  if (typeof key === 'number') {
    item = seq.items[key];
  } else {
    // A bare name in brackets selects the list item whose `name` field is that name.
    item = seq.items.find((it) => {
      const hit = findInMap(doc, resolve(doc, it), 'name');
      const v = resolve(doc, hit?.node);
      return isScalar(v) && String(v.value) === key;
    });
  }
  if (item === undefined || item === null) return undefined;
  const offset = (item as Node).range?.[0];
  return { node: item, keyOffset: offset, valueOffset: offset };
}

/**
 * The position of the node `path` names in `doc`: a map entry at its key (or value, see
 * LocateOptions), a list item at its first character. When the node is missing (a required
 * field left out, an index past the end) it is the position of the nearest ancestor that exists.
 */
export function locate(
  doc: AnyDocument,
  path: string | readonly PathSegment[],
  lineCounter: LineCounter,
  options: LocateOptions = {},
): Location {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  let node: unknown = doc.contents;
  let offset = rootOffset(doc);
  const found: PathSegment[] = [];
  for (const segment of segments) {
    const current = resolve(doc, node);
    const step = isSeq(current) ? findInSeq(current, segment, doc) : findInMap(doc, current, segment);
    if (!step) break;
    const at = options.at === 'value' ? step.valueOffset : step.keyOffset;
    if (at !== undefined) offset = at;
    node = step.node;
    found.push(segment);
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col, exact: found.length === segments.length, found };
}

/** 1-based line and column of a character offset. */
export function positionAt(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
