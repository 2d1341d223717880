// `chatbot validate`: reads Chatbot and Sender manifests, runs the validator the operator runs,
// and reports every issue at the file:line:column of the YAML node its path names.
import { type Document, LineCounter, parseAllDocuments } from 'yaml';
import { API_VERSION, type Sender } from '../api/schema.ts';
import type { Issue, Severity, ValidationContext } from '../core/validation/types.ts';
import type { CliIO } from './io.ts';
import { locate } from './yaml-positions.ts';

export interface Validators {
  validateChatbot(chatbot: unknown, context: ValidationContext): Issue[];
  validateSender(sender: unknown): Issue[];
}

export const STDIN_NAME = '<stdin>';
const KINDS = ['Chatbot', 'Sender'] as const;
type Kind = (typeof KINDS)[number];

export interface DocumentRef {
  kind: Kind;
  namespace: string;
  name: string | null;
}

/** A validation issue of one document, placed in its file. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  code: string;
  message: string;
  path: string;
  hint?: string;
  document: DocumentRef;
}

/** Input that could not be validated at all: an unreadable file, broken YAML, a foreign document. */
export interface InputError {
  file: string;
  /** Absent when the file itself could not be read. */
  line?: number;
  column?: number;
  code:
    | 'FileUnreadable'
    | 'InvalidYAML'
    | 'NotAnObject'
    | 'UnknownKind'
    | 'WrongApiVersion'
    | 'InternalError';
  message: string;
}

export interface ValidateResult {
  findings: Finding[];
  inputErrors: InputError[];
  files: number;
  chatbots: number;
  senders: number;
}

export interface ValidateOptions {
  files: string[];
  /** Namespace of documents without metadata.namespace (kubectl's default namespace). */
  namespace: string;
}

interface Manifest {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  object: Record<string, unknown>;
  ref: DocumentRef;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

function readError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'ENOENT':
      return 'cannot read file: no such file or directory';
    case 'EISDIR':
      return 'cannot read file: it is a directory (pass the files in it, e.g. DIR/*.yaml)';
    case 'EACCES':
      return 'cannot read file: permission denied';
    default:
      return `cannot read file: ${e.message ?? String(err)}`;
  }
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!.trim();
}

async function readManifests(
  options: ValidateOptions,
  io: CliIO,
  inputErrors: InputError[],
): Promise<{ manifests: Manifest[]; files: number }> {
  const manifests: Manifest[] = [];
  let stdin: Promise<string> | undefined;
  let files = 0;
  for (const arg of options.files) {
    const file = arg === '-' ? STDIN_NAME : arg;
    let text: string;
    try {
      if (arg === '-') {
        // Standard input is read once; a second `-` sees the same text.
        stdin ??= io.readStdin();
        text = await stdin;
      } else {
        text = await io.readFile(arg);
      }
    } catch (err) {
      inputErrors.push({ file, code: 'FileUnreadable', message: readError(err) });
      continue;
    }
    files++;
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true });
    const at = (offset: number) => {
      const { line, col } = lineCounter.linePos(offset);
      return { line, column: col };
    };
    const streamErrors = 'empty' in docs ? docs.errors : [];
    for (const err of streamErrors) {
      inputErrors.push({ file, ...at(err.pos[0]), code: 'InvalidYAML', message: firstLine(err.message) });
    }
    for (const doc of docs) {
      const [err] = doc.errors;
      if (err) {
        inputErrors.push({ file, ...at(err.pos[0]), code: 'InvalidYAML', message: firstLine(err.message) });
        continue;
      }
      const root = locate(doc, '', lineCounter);
      const here = { line: root.line, column: root.column };
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 10_000 });
      } catch (e) {
        inputErrors.push({ file, ...here, code: 'InvalidYAML', message: firstLine((e as Error).message) });
        continue;
      }
      if (value === null || value === undefined) continue; // `---` with nothing (or only null) after it
      if (!isObject(value)) {
        inputErrors.push({
          file,
          ...here,
          code: 'NotAnObject',
          message: `a document must be a Chatbot or Sender object, found ${describeValue(value)}`,
        });
        continue;
      }
      const kind = value['kind'];
      if (!KINDS.includes(kind as Kind)) {
        const pos = locate(doc, 'kind', lineCounter, { at: 'value' });
        inputErrors.push({
          file,
          line: pos.line,
          column: pos.column,
          code: 'UnknownKind',
          message:
            kind === undefined
              ? `kind is missing: want Chatbot or Sender (${API_VERSION})`
              : `unknown kind ${JSON.stringify(kind)}: want Chatbot or Sender (${API_VERSION})`,
        });
        continue;
      }
      const apiVersion = value['apiVersion'];
      if (apiVersion !== API_VERSION) {
        const pos = locate(doc, 'apiVersion', lineCounter, { at: 'value' });
        inputErrors.push({
          file,
          line: pos.line,
          column: pos.column,
          code: 'WrongApiVersion',
          message:
            apiVersion === undefined
              ? `apiVersion is missing: want ${API_VERSION}`
              : `apiVersion ${JSON.stringify(apiVersion)} is not supported: want ${API_VERSION}`,
        });
        continue;
      }
      const metadata = isObject(value['metadata']) ? value['metadata'] : {};
      const namespace =
        typeof metadata['namespace'] === 'string' && metadata['namespace'] !== ''
          ? metadata['namespace']
          : options.namespace;
      const name = typeof metadata['name'] === 'string' ? metadata['name'] : null;
      manifests.push({
        file,
        doc,
        lineCounter,
        object: value,
        ref: { kind: kind as Kind, namespace, name },
      });
    }
  }
  return { manifests, files };
}

function place(m: Manifest, issue: Issue): Finding {
  const pos = locate(m.doc, issue.path ?? '', m.lineCounter);
  return {
    file: m.file,
    line: pos.line,
    column: pos.column,
    severity: issue.severity,
    code: issue.code,
    message: issue.message,
    path: issue.path ?? '',
    ...(issue.hint ? { hint: issue.hint } : {}),
    document: m.ref,
  };
}

/** Reads and validates the files; never throws. */
export async function validateFiles(
  options: ValidateOptions,
  io: CliIO,
  validators: Validators,
): Promise<ValidateResult> {
  const inputErrors: InputError[] = [];
  const { manifests, files } = await readManifests(options, io, inputErrors);

  // Senders of all files, by namespace and name: a later document wins, as with kubectl apply.
  const senders = new Map<string, Sender>();
  for (const m of manifests) {
    if (m.ref.kind === 'Sender' && m.ref.name !== null) {
      senders.set(`${m.ref.namespace}/${m.ref.name}`, m.object as unknown as Sender);
    }
  }

  const findings: Finding[] = [];
  let chatbots = 0;
  let senderCount = 0;
  for (const m of manifests) {
    let issues: Issue[];
    try {
      if (m.ref.kind === 'Chatbot') {
        chatbots++;
        const context: ValidationContext = {
          // Offline, a Sender that is not in the files may well exist in the cluster.
          findSender: (name) => senders.get(`${m.ref.namespace}/${name}`) ?? 'unknown',
        };
        issues = validators.validateChatbot(m.object, context);
      } else {
        senderCount++;
        issues = validators.validateSender(m.object);
      }
    } catch (err) {
      const root = locate(m.doc, '', m.lineCounter);
      inputErrors.push({
        file: m.file,
        line: root.line,
        column: root.column,
        code: 'InternalError',
        message: `the validator failed on this ${m.ref.kind}: ${firstLine(String((err as Error)?.message ?? err))}`,
      });
      continue;
    }
    findings.push(...issues.map((issue) => place(m, issue)));
  }

  // In each file, in the order of the text (stable: the validator's order among equals).
  const fileOrder = new Map(options.files.map((f, i) => [f === '-' ? STDIN_NAME : f, i]));
  findings.sort(
    (a, b) =>
      (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
  return { findings, inputErrors, files, chatbots, senders: senderCount };
}

export function exitCode(result: ValidateResult): 0 | 1 | 2 {
  if (result.inputErrors.length > 0) return 2;
  return result.findings.some((f) => f.severity === 'Error') ? 1 : 0;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `FILE:LINE:COL: error CODE message (path)`, with the hint on an indented line below. */
export function formatFinding(f: Finding): string {
  const path = f.path ? ` (${f.path})` : '';
  const line = `${f.file}:${f.line}:${f.column}: ${f.severity.toLowerCase()} ${f.code} ${f.message}${path}`;
  return f.hint ? `${line}\n    hint: ${f.hint}` : line;
}

export function formatInputError(e: InputError): string {
  const where = e.line === undefined ? e.file : `${e.file}:${e.line}:${e.column}`;
  return `${where}: error ${e.code} ${e.message}`;
}

export function summary(r: ValidateResult): string {
  const errors = r.findings.filter((f) => f.severity === 'Error').length;
  const warnings = r.findings.length - errors;
  const objects = [plural(r.chatbots, 'chatbot'), ...(r.senders > 0 ? [plural(r.senders, 'sender')] : [])];
  const input = r.inputErrors.length > 0 ? `; ${plural(r.inputErrors.length, 'input error')}` : '';
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${objects.join(' and ')} (${plural(r.files, 'file')})${input}`;
}

/** The text report: issues and the summary for stdout, input errors for stderr. */
export function formatText(r: ValidateResult): { stdout: string; stderr: string } {
  const out = r.findings.map(formatFinding);
  out.push(summary(r));
  const err = r.inputErrors.map(formatInputError);
  return { stdout: `${out.join('\n')}\n`, stderr: err.length > 0 ? `${err.join('\n')}\n` : '' };
}

export interface JsonEntry {
  file: string;
  line: number | null;
  column: number | null;
  severity: Severity;
  code: string;
  message: string;
  path: string;
  hint: string | null;
  document: DocumentRef | null;
}

/** The JSON report: one array of every issue and input error (input errors have document null). */
export function formatJson(r: ValidateResult): string {
  const entries: JsonEntry[] = [
    ...r.inputErrors.map((e) => ({
      file: e.file,
      line: e.line ?? null,
      column: e.column ?? null,
      severity: 'Error' as const,
      code: e.code,
      message: e.message,
      path: '',
      hint: null,
      document: null,
    })),
    ...r.findings.map((f) => ({
      file: f.file,
      line: f.line,
      column: f.column,
      severity: f.severity,
      code: f.code,
      message: f.message,
      path: f.path,
      hint: f.hint ?? null,
      document: f.document,
    })),
  ];
  return `${JSON.stringify(entries, null, 2)}\n`;
}
