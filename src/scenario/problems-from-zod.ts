import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import { isPathNameMessage, PATH_NAME_HINT } from './path-name.ts';

/**
 * Turns zod issues into problems a person can act on: what is wrong, at which key path, and how to fix it.
 * Positions are not known here; `load.ts` maps each path to a line and column of the YAML source.
 */

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<string | number>;

export interface PathProblem {
  path: Path;
  /** `key` points at the key itself (unknown keys); `value` at the value, or the nearest parent when missing. */
  at: 'key' | 'value';
  message: string;
  hint?: string;
}

/** The slice of zod's internal definitions we walk; zod 4 keeps them on `schema._zod.def`. */
interface SchemaDef {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  element?: Schema;
  options?: readonly Schema[];
  getter?: () => Schema;
}

const defOf = (schema: Schema): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** Strips wrappers (optional, nullable, default, pipe, lazy) down to the schema that holds the shape. */
function unwrap(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let depth = 0; current !== undefined && depth < 32; depth++) {
    const def = defOf(current);
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else if (def.type === 'lazy' && def.getter !== undefined) current = def.getter();
    else return current;
  }
  return current;
}

function shapeOf(schema: Schema | undefined): Record<string, Schema> | undefined {
  const inner = unwrap(schema);
  return inner === undefined ? undefined : defOf(inner).shape;
}

/** The schema at `path` below `schema`. Through a union, the branch that has the next key (zod reports
 * the issues of a union's only plausible branch directly, with no invalid_union around them). */
function schemaAt(schema: Schema | undefined, path: Path): Schema | undefined {
  let current = schema;
  for (const segment of path) {
    let inner = unwrap(current);
    if (inner === undefined) return undefined;
    const options = defOf(inner).type === 'union' ? (defOf(inner).options ?? []) : [];
    if (options.length > 0) {
      inner = options.map(unwrap).find((option) => {
        if (option === undefined) return false;
        const def = defOf(option);
        return typeof segment === 'number' ? def.type === 'array' : def.shape !== undefined && segment in def.shape;
      });
      if (inner === undefined) return undefined;
    }
    const def = defOf(inner);
    if (def.shape !== undefined && typeof segment === 'string') current = def.shape[segment];
    else if (def.type === 'array' && typeof segment === 'number') current = def.element;
    else return undefined;
  }
  return current;
}

function valueAt(root: unknown, path: Path): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return { found: false, value: undefined };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: true, value: current };
}

const isMapping = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What the user wrote, said so they recognise it: `string "eight"`, `a list of 3 items`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    if (value === '') return 'an empty string';
    // A password in a URL's user part is a secret: never repeated in an error. JSON quoting shows control
    // characters (a NUL, a newline) that would print as nothing.
    const shown = value.replace(/(\/\/[^/@:\s]*):[^/@\s]*@/g, '$1:***@');
    return `string ${JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (isMapping(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty mapping' : `a mapping with key${keys.length === 1 ? '' : 's'} ${keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return String(value);
}

const EXPECTED_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
};

/** zod's stock messages read "Invalid input: ..."; ours (set in schema.ts) already speak to the user. */
const isStockMessage = (message: string): boolean => /^(Invalid|Too (small|big)|Unrecognized)/.test(message);

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

/** `did you mean "content"?` when `word` is a plausible slip for one of `candidates`. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || word === '') return undefined;
  const lower = word.toLowerCase();
  const exactIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactIgnoringCase !== undefined) return `did you mean "${exactIgnoringCase}"?`;
  const best = closest(lower, candidates.map((c) => c.toLowerCase()));
  const bestIndex = candidates.findIndex((c) => c.toLowerCase() === best);
  const candidate = candidates[bestIndex];
  if (candidate !== undefined && distance(lower, best) <= (candidate.length <= 3 ? 1 : Math.max(2, Math.floor(candidate.length / 3)))) {
    return `did you mean "${candidate}"?`;
  }
  // A shortened name ("mediawiki") is as telling as a typo: offer every completion.
  const completions = candidates.filter((c) => c.toLowerCase().startsWith(lower) && lower.length >= 3);
  if (completions.length > 0) return `did you mean ${completions.map((c) => `"${c}"`).join(' or ')}?`;
  return undefined;
}

/** Converts every issue of one failed `safeParse`, descending into the union branch the user meant. */
export function problemsFromZod(issues: readonly Issue[], input: unknown, schema: Schema): PathProblem[] {
  const out: PathProblem[] = [];
  convert(issues, [], schema, input, out);
  return dedupe(out);
}

function convert(issues: readonly Issue[], base: Path, schema: Schema | undefined, input: unknown, out: PathProblem[]): void {
  for (const issue of issues) {
    const path = [...base, ...(issue.path as Path)];
    const here = schemaAt(schema, issue.path as Path);
    const { found, value } = valueAt(input, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) out.push(unknownKey([...path, key], key, Object.keys(shapeOf(here) ?? {})));
        break;
      case 'invalid_union':
        if (!found) out.push(missingKey(path, issue.message));
        else convertUnion(issue, path, here, value, input, out);
        break;
      case 'invalid_type':
        if (!found) out.push(missingKey(path, expectation(issue.message, issue.expected)));
        else out.push({ path, at: 'value', message: `${expectation(issue.message, issue.expected)}, got ${describeValue(value)}`, ...typeHint(path, issue.expected, value) });
        break;
      case 'invalid_value':
        out.push(invalidValue(path, issue.message, issue.values, value));
        break;
      case 'custom': {
        const hint = (issue.params as { hint?: unknown } | undefined)?.hint;
        out.push({ path, at: 'value', message: issue.message, ...(typeof hint === 'string' ? { hint } : {}) });
        break;
      }
      case 'too_small':
        out.push({ path, at: 'value', message: `${isStockMessage(issue.message) ? boundMessage(issue) : issue.message}, got ${describeValue(value)}` });
        break;
      case 'too_big':
        out.push({
          path,
          at: 'value',
          message: `${isStockMessage(issue.message) ? boundMessage(issue) : issue.message}, got ${describeValue(value)}`,
          // The value shown is cut short: say how long it is.
          ...(issue.origin === 'string' && typeof value === 'string' ? { hint: `shorten it to ${String(issue.maximum)} characters or fewer (it has ${value.length.toLocaleString('en-US')})` } : {}),
        });
        break;
      default:
        out.push({ path, at: 'value', message: `${issue.message}, got ${describeValue(value)}`, ...(isPathNameMessage(issue.message) ? { hint: PATH_NAME_HINT } : {}) });
    }
  }
}

function expectation(message: string, expected: string): string {
  return isStockMessage(message) ? `expected ${EXPECTED_WORDS[expected] ?? expected}` : message;
}

/** The likely slip behind a wrong type: an empty `key:`, or quotes that made YAML read text. */
function typeHint(path: Path, expected: string, value: unknown): { hint?: string } {
  if (value === null) return { hint: `write a value after "${String(path[path.length - 1] ?? '')}:", or remove the key` };
  if (typeof value !== 'string') return {};
  const looksNumeric = value.trim() !== '' && Number.isFinite(Number(value));
  if ((expected === 'number' || expected === 'int') && looksNumeric) return { hint: `write ${value.trim()} without quotes, so YAML reads a number` };
  if (expected === 'boolean' && /^(true|false)$/i.test(value.trim())) return { hint: `write ${value.trim().toLowerCase()} without quotes` };
  if (expected === 'boolean') return { hint: 'write true or false' };
  return {};
}

/** Plain words for zod's stock bound messages ("Too small: expected string to have >=1 characters"). */
function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  switch (issue.origin) {
    case 'string':
      return `expected ${small ? 'at least' : 'at most'} ${plural(limit, 'character')}`;
    case 'array':
    case 'set':
      return `expected ${small ? 'at least' : 'at most'} ${plural(limit, 'item')}`;
    default:
      return `expected ${small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than'} ${limit}`;
  }
}

function unknownKey(path: Path, key: string, allowed: readonly string[]): PathProblem {
  const hint =
    suggest(key, allowed) ??
    (allowed.length === 0 ? 'this mapping takes no keys; remove it' : `keys allowed here: ${allowed.join(', ')}`);
  return { path, at: 'key', message: `unknown key "${key}"`, hint };
}

function missingKey(path: Path, expected: string): PathProblem {
  const key = String(path[path.length - 1] ?? '');
  return { path, at: 'value', message: `missing required key "${key}"`, hint: `add ${key}: here; ${expected}` };
}

function invalidValue(path: Path, message: string, values: readonly unknown[], value: unknown): PathProblem {
  const expected = isStockMessage(message)
    ? values.length === 1 ? `expected ${quoteList(values)}` : `expected one of ${quoteList(values)}`
    : message;
  const strings = values.filter((v): v is string => typeof v === 'string');
  const hint = typeof value === 'string' ? suggest(value, strings) : undefined;
  return { path, at: 'value', message: `${expected}, got ${describeValue(value)}`, ...(hint === undefined ? {} : { hint }) };
}

/** Each object branch's keys, and those that tell it from its siblings (`chunked`, not the shared `name`). */
function branchKeys(options: readonly Schema[]): Array<{ index: number; keys: string[]; distinctive: string[] }> {
  const objects = options
    .map((option, index) => ({ index, keys: Object.keys(shapeOf(option) ?? {}), isObject: shapeOf(option) !== undefined }))
    .filter((b) => b.isObject);
  return objects.map((b) => ({
    index: b.index,
    keys: b.keys,
    // Keys every object branch shares (like `name`) say nothing about which branch was meant.
    distinctive: objects.length === 1 ? b.keys : b.keys.filter((k) => !objects.every((o) => o.keys.includes(k))),
  }));
}

/**
 * zod reports a failed union as one issue with every branch's errors. Report the branch the user meant:
 * for a mapping, the one whose naming key they wrote; for a scalar, the one that accepted its type.
 */
function convertUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: Path,
  schema: Schema | undefined,
  value: unknown,
  input: unknown,
  out: PathProblem[],
): void {
  const union = unwrap(schema);
  const options = union === undefined ? [] : (defOf(union).options ?? []);
  const branches = issue.errors;
  const fallback = (hint?: string): void => {
    out.push({ path, at: 'value', message: `${issue.message}, got ${describeValue(value)}`, ...(hint === undefined ? {} : { hint }) });
  };
  if (options.length !== branches.length) return fallback();

  const objectBranches = branchKeys(options);
  if (isMapping(value)) {
    const written = Object.keys(value);
    const scored = objectBranches
      .map((b) => ({ ...b, score: written.filter((k) => b.distinctive.includes(k)).length }))
      .filter((b) => b.score > 0)
      .sort((a, b) => b.score - a.score);
    const [best, second] = scored;
    if (best !== undefined && (second === undefined || second.score < best.score)) {
      return convert(branches[best.index] ?? [], path, options[best.index], input, out);
    }
    const namingKeys = objectBranches.map((b) => b.distinctive[0]).filter((k): k is string => k !== undefined);
    if (best !== undefined) {
      const clashing = written.filter((k) => scored.some((b) => b.distinctive.includes(k)));
      return fallback(`use only one of ${clashing.map((k) => `"${k}"`).join(', ')} per entry`);
    }
    // No naming key: a misspelt one is reported as an unknown key with a suggestion.
    const allKeys = [...new Set(objectBranches.flatMap((b) => b.keys))];
    const slips = written.filter((k) => !allKeys.includes(k)).map((k) => ({ k, hint: suggest(k, namingKeys) }));
    const close = slips.filter((s) => s.hint !== undefined);
    if (close.length > 0) {
      for (const s of close) out.push({ path: [...path, s.k], at: 'key', message: `unknown key "${s.k}"`, hint: s.hint as string });
      return;
    }
    return fallback(namingKeys.length > 0 ? `name the kind as the key: one of ${namingKeys.join(', ')}` : undefined);
  }

  // A scalar: the branches that took its type failed on its value; those are the ones to report.
  const typeMismatch = (errors: readonly Issue[]): boolean => errors.some((e) => e.code === 'invalid_type' && e.path.length === 0);
  const accepting = branches.map((errors, index) => ({ errors, index })).filter((b) => !typeMismatch(b.errors));
  const onlyAccepting = accepting.length === 1 ? accepting[0] : undefined;
  const valueErrors = onlyAccepting?.errors.filter((e) => e.code === 'invalid_value' && e.path.length === 0) ?? [];
  if (onlyAccepting !== undefined && valueErrors.length === 0) {
    return convert(onlyAccepting.errors, path, options[onlyAccepting.index], input, out);
  }
  if (typeof value === 'string') {
    const choices = valueErrors.flatMap((e) => (e.code === 'invalid_value' ? e.values : [])).filter((v): v is string => typeof v === 'string');
    if (choices.includes(value)) return fallback();
    const needsSettings = objectBranches.find((b) => b.distinctive[0] === value);
    if (needsSettings !== undefined) return fallback(`"${value}" takes settings: write it as a mapping, { ${value}: { ... } }`);
    const namingKeys = objectBranches.map((b) => b.distinctive[0]).filter((k): k is string => k !== undefined);
    return fallback(suggest(value, [...choices, ...namingKeys]));
  }
  fallback();
}

function dedupe(problems: PathProblem[]): PathProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join('.')}\u0000${p.at}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
