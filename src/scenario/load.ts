import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import { ExitCode, ShipbenchError, type InputProblem, type SourceLocation } from '../core/errors.ts';
import { acceptedPart, type KeyPath, wholePart } from './accepted-part.ts';
import { problemsFromZod } from './problems-from-zod.ts';
import { contentSourceProblems } from './content-source.ts';
import { fleetHostFileProblems } from './resolve-fleet-engines.ts';
import { type OtherDocument, otherDocument } from './other-documents.ts';
import { findSemanticProblems, resolveScenario, type SemanticProblem } from './resolve.ts';
import type { ResolvedScenario } from './resolved.ts';
import { scenarioInputSchema, type ScenarioInput } from './schema.ts';

/**
 * Reads a scenario file and checks it against the schema, keeping every YAML node's line and column so
 * each problem points at the text the user wrote. All problems are collected and thrown together in one
 * ShipbenchError (ARCHITECTURE.md, rule 5): fixing a file should take one round trip, not one per typo.
 */

export interface LoadedScenario {
  input: ScenarioInput;
  /** The path as given, so messages show what the user typed. */
  file: string;
  source: string;
}

export interface LoadedResolvedScenario extends LoadedScenario {
  scenario: ResolvedScenario;
}

type Path = ReadonlyArray<string | number>;
type Locate = (path: Path, at: 'key' | 'value') => SourceLocation;

export async function loadScenario(file: string): Promise<LoadedScenario> {
  const source = await readScenarioSource(file);
  return { input: checkScenario(source, file).input, file, source };
}

/** Schema and the cross-key checks of `resolve.ts` (one pass), then defaults: what every runner should call. */
export async function loadResolvedScenario(file: string): Promise<LoadedResolvedScenario> {
  return resolveScenarioSource(await readScenarioSource(file), file);
}

/** The checks and resolution of `loadResolvedScenario` on text already in memory (a scenario with `--set` applied). */
export function resolveScenarioSource(source: string, file: string): LoadedResolvedScenario {
  const { input } = checkScenario(source, file, RUNNABLE_SCENARIO_DOCUMENT);
  return { input, file, source, scenario: resolveScenario(input, file) };
}

/** The same checks on text already in memory; `file` is only used in messages. */
export function parseScenario(source: string, file: string): ScenarioInput {
  return checkScenario(source, file).input;
}

export async function readScenarioSource(file: string): Promise<string> {
  // A FIFO would block the read and a device never end it: only regular files are read (a directory's
  // EISDIR gets its own hint below).
  const info = await stat(file).catch(() => undefined);
  if (info !== undefined && !info.isFile() && !info.isDirectory()) {
    throw new ShipbenchError('scenario-unreadable', `${file} is not a regular file (a FIFO, a device or a socket)`, { hint: 'name a .yaml scenario file' });
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw await readFailure(file, error);
  }
}

async function readFailure(file: string, error: unknown): Promise<ShipbenchError> {
  const code = (error as NodeJS.ErrnoException).code;
  const fail = (message: string, hint: string, errorCode = 'scenario-unreadable'): ShipbenchError =>
    new ShipbenchError(errorCode, message, { hint, exitCode: ExitCode.usage, cause: error });
  switch (code) {
    case 'ENOENT':
      return fail(`${file}: no such file`, `check the path (relative paths start at ${process.cwd()})`, 'scenario-not-found');
    case 'ENOTDIR':
      return fail(`${file}: no such file (a part of the path is a file, not a directory)`, 'check the path', 'scenario-not-found');
    case 'EISDIR': {
      const inside = await readdir(file).catch(() => [] as string[]);
      const yamlFiles = inside.filter((name) => /\.ya?ml$/.test(name)).sort();
      const example = yamlFiles[0];
      return fail(
        `${file} is a directory, not a scenario file`,
        example === undefined ? 'name a .yaml scenario file' : `name a scenario file in it, e.g. ${join(file, example)}`,
      );
    }
    case 'EACCES':
    case 'EPERM':
      return fail(`${file}: permission denied`, 'make the file readable (chmod +r) or copy it somewhere you can read');
    default:
      return fail(`${file}: cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`, 'check that the path names a readable text file');
  }
}

/** What kind of YAML document is checked: its schema and how failures are worded. */
export interface DocumentKind<T> {
  readonly schema: z.ZodType<T>;
  readonly code: string;
  /** `nothing was run`, `nothing was checked`. */
  readonly consequence: string;
  readonly hint: string;
  /** For an empty file or a non-mapping top level. */
  readonly example: string;
  /**
   * Checks across keys, run on whatever part of the document the schema accepts (so they are reported with
   * the schema errors, in one pass); `dropped` names what the schema rejected, for checks to stay clear of.
   */
  /** `file` is the document's path as given: checks of files it names resolve them beside it. */
  readonly crossChecks?: (input: T, dropped: readonly KeyPath[], file: string) => readonly SemanticProblem[];
  /** Stand-ins for required top-level keys the schema rejected, so the cross-key checks still run. */
  readonly placeholders?: Readonly<Record<string, unknown>>;
  /** Another kind of file this one is often mistaken for: reported as that, instead of its keys one by one. */
  readonly recognize?: (data: unknown) => OtherDocument | undefined;
}

const SCENARIO_DOCUMENT: DocumentKind<ScenarioInput> = {
  schema: scenarioInputSchema,
  code: 'invalid-scenario',
  consequence: 'nothing was run',
  hint: 'run `shipbench schema` for every key a scenario takes',
  example: 'a scenario is a mapping that needs at least a name, e.g. `name: my-scenario`',
  crossChecks: (input, dropped, file) => [...findSemanticProblems(input, dropped), ...sourceProblems(input, dropped, file)],
  placeholders: { name: 'scenario' },
  recognize: otherDocument,
};

function invalidDocument(file: string, problems: InputProblem[], kind: Pick<DocumentKind<unknown>, 'code' | 'consequence' | 'hint'> = SCENARIO_DOCUMENT): ShipbenchError {
  const sorted = [...problems].sort((a, b) => a.location.line - b.location.line || a.location.col - b.location.col);
  const count = `${sorted.length} problem${sorted.length === 1 ? '' : 's'}`;
  return new ShipbenchError(kind.code, `${file}: ${count}; ${kind.consequence}`, {
    exitCode: ExitCode.usage,
    problems: sorted,
    hint: kind.hint,
  });
}

const SYNTAX_HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'a key may appear only once in a mapping; remove one of them or merge their settings',
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs for indentation',
  MULTIPLE_DOCS: 'a scenario file holds one document; remove the extra `---` or split the file',
  BAD_INDENT: 'line up keys of the same mapping at the same indentation, and close every [ and {',
  MISSING_CHAR: 'a quote, bracket or `- ` is missing; check this line and the one before',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line and be followed by `: `',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; is a `:` or quote missing on the line before?',
  UNEXPECTED_TOKEN: 'check the indentation and quoting here; quote values that contain `: ` or start with `{`, `[`, `*` or `&`',
  TAG_RESOLVE_FAILED: 'scenario files need no YAML tags; remove the tag',
};
/** yaml's own words for these name its API; say what the user did instead. */
const SYNTAX_MESSAGES: Record<string, string> = {
  MULTIPLE_DOCS: 'more than one YAML document (a second `---` line)',
};
const DEFAULT_SYNTAX_HINT = 'check the indentation and quoting near here';

/** Before a run, also the files a scenario names (fleet.hosts' keys and certificates) must exist. */
const RUNNABLE_SCENARIO_DOCUMENT: DocumentKind<ScenarioInput> = {
  ...SCENARIO_DOCUMENT,
  crossChecks: (input, dropped, file) => [...findSemanticProblems(input, dropped), ...sourceProblems(input, dropped, file), ...fleetHostFileProblems(input.fleet, file)],
};

/** The content source's paths and refs, unless the schema already refused it. */
function sourceProblems(input: ScenarioInput, dropped: ReadonlyArray<ReadonlyArray<string | number>>, file: string): SemanticProblem[] {
  if (dropped.some((d) => d[0] === 'content' && (d.length === 1 || d[1] === 'source'))) return [];
  return contentSourceProblems(input.content?.source, file, input.deploy !== undefined);
}

function checkScenario(source: string, file: string, kind = SCENARIO_DOCUMENT): { input: ScenarioInput; locate: Locate } {
  return checkDocument(source, file, kind);
}

/**
 * Parses and validates any YAML document kind; throws ShipbenchError listing every problem (file:line:col),
 * or returns the input and a locator for later semantic problems.
 */
export function checkDocument<T>(source: string, file: string, kind: DocumentKind<T>): { input: T; locate: Locate } {
  const invalidScenario = (f: string, problems: InputProblem[]) => invalidDocument(f, problems, kind);
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });
  const locate: Locate = (path, where) => at(offsetOf(doc, path, where));

  const yamlIssues = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED')];
  const syntax = yamlIssues.map((e) => syntaxProblem(doc, e, at));
  // Duplicate keys leave a well-formed tree, so the schema can still be checked in the same pass.
  if (yamlIssues.some((e) => e.code !== 'DUPLICATE_KEY' && e.code !== 'TAG_RESOLVE_FAILED')) throw invalidScenario(file, syntax);

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null && root.range[0] === root.range[1])) {
    const empty = source.trim() === '';
    throw invalidScenario(file, [{
      location: { file, line: 1, col: 1 },
      keyPath: '',
      message: empty ? 'the file is empty' : 'the file holds only comments',
      hint: kind.example,
    }]);
  }
  if (!isMap(root)) {
    const what = isSeq(root) ? 'a list' : `a single value (${JSON.stringify(isScalar(root) ? root.value : null)})`;
    throw invalidScenario(file, [{
      location: at(root.range?.[0] ?? 0),
      keyPath: '',
      message: `the top level is ${what}, but ${kind.code === SCENARIO_DOCUMENT.code ? 'a scenario' : 'this file'} is a mapping of keys`,
      hint: kind.code !== SCENARIO_DOCUMENT.code
        ? kind.example
        : isSeq(root)
          ? 'remove the leading `- `: write `name: my-scenario` and the other keys at the top level; put each scenario in its own file'
          : 'write keys at the top level, starting with `name: my-scenario`',
    }]);
  }

  const aliasProblems = unresolvedAliases(doc, at);
  if (aliasProblems.length > 0) throw invalidScenario(file, [...syntax, ...aliasProblems]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw invalidScenario(file, [...syntax, {
      location: { file, line: 1, col: 1 },
      keyPath: '',
      message: `the YAML cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'simplify the anchors and aliases (&name / *name) in this file',
    }]);
  }

  const other = kind.recognize?.(data);
  if (other !== undefined) throw invalidScenario(file, [{ location: locate([other.key], 'key'), keyPath: other.key, message: other.message, hint: other.hint }]);

  // jitless: a scenario is parsed once per command, and zod's compiled fast path costs more to build than it saves.
  const result = kind.schema.safeParse(data, { jitless: true });
  const schemaProblems: InputProblem[] = result.success
    ? []
    : problemsFromZod(result.error.issues, data, kind.schema as unknown as Parameters<typeof problemsFromZod>[2]).map((p) => ({
        location: locate(p.path, p.at),
        keyPath: p.path.join('.'),
        message: p.message,
        ...(p.hint === undefined ? {} : { hint: p.hint }),
      }));
  // Duplicate keys leave the later value in place; checks that read it are not to be trusted.
  const duplicated = yamlIssues.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => pathOfKeyAt(doc.contents, e.pos[0], []) ?? []);
  const part = kind.crossChecks === undefined ? undefined : result.success ? wholePart(result.data) : acceptedPart(kind.schema, data, kind.placeholders);
  const crossProblems: InputProblem[] = part === undefined || kind.crossChecks === undefined
    ? []
    : kind.crossChecks(part.input, [...part.dropped, ...duplicated], file).map((p) => {
        const path = part.writtenPath(p.path);
        return { location: locate(path, 'value'), keyPath: path.join('.'), message: p.message, hint: p.hint };
      });
  const problems = [...syntax, ...schemaProblems, ...crossProblems];
  if (problems.length > 0 || !result.success) throw invalidScenario(file, problems);
  return { input: result.data, locate };
}

function syntaxProblem(doc: Document.Parsed, error: YAMLError, at: (offset: number) => SourceLocation): InputProblem {
  const offset = error.pos[0];
  if (error.code === 'DUPLICATE_KEY') {
    const path = pathOfKeyAt(doc.contents, offset, []);
    const key = path?.[path.length - 1];
    return {
      location: at(offset),
      keyPath: path?.join('.') ?? '',
      message: key === undefined ? 'duplicate key' : `duplicate key "${key}"`,
      hint: SYNTAX_HINTS.DUPLICATE_KEY,
    };
  }
  const message = SYNTAX_MESSAGES[error.code] ?? error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
  return { location: at(offset), keyPath: '', message: `YAML syntax: ${message}`, hint: SYNTAX_HINTS[error.code] ?? DEFAULT_SYNTAX_HINT };
}

function unresolvedAliases(doc: Document.Parsed, at: (offset: number) => SourceLocation): InputProblem[] {
  const problems: InputProblem[] = [];
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) === undefined) {
        problems.push({
          location: at(alias.range?.[0] ?? 0),
          keyPath: '',
          message: `alias *${alias.source} names no anchor defined above it`,
          hint: `define &${alias.source} on an earlier value, or write the value out`,
        });
      }
    },
  });
  return problems;
}

/** Key path of the mapping key that starts at `offset`, for problems YAML reports by position only. */
function pathOfKeyAt(node: unknown, offset: number, path: Path): Path | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) return [...path, key];
      const inner = pathOfKeyAt(pair.value, offset, [...path, key]);
      if (inner !== undefined) return inner;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const inner = pathOfKeyAt(item, offset, [...path, index]);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function startOf(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  // An empty value (`key:` and nothing) has a zero-width range just after the colon: point at its key instead.
  if (range === undefined || range === null || (isScalar(node) && node.value === null && range[0] === range[1])) return undefined;
  return range[0];
}

/** Offset of the node at `path`, or of the nearest ancestor that exists (a missing key points at its parent). */
function offsetOf(doc: Document.Parsed, path: Path, at: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = startOf(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (pair === undefined) break;
      const keyStart = startOf(pair.key);
      if (i === path.length - 1 && at === 'key') return keyStart ?? offset;
      const valueStart = startOf(pair.value);
      if (valueStart === undefined) return keyStart ?? offset;
      offset = valueStart;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      const itemStart = startOf(item);
      if (itemStart === undefined) break;
      offset = itemStart;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
