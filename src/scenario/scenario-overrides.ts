import { isCollection, isNode, LineCounter, parse as parseYamlValue, parseDocument } from 'yaml';
import type { SourceLocation } from '../core/errors.ts';
import { ExitCode, ShipbenchError, type InputProblem } from '../core/errors.ts';

/**
 * Scenario keys set from the command line (`--set fleet.nodes=600`) and swept (`--sweep fleet.nodes=100..10000x10`).
 * A value is written into the scenario's YAML as if the user had typed it there, so it is validated by the same
 * schema, units and cross-key checks as the file; problems point at the argument on the command line.
 */

/** Where an argument stands: its text and where that text starts in the command line as printed. */
export interface ArgumentPosition {
  readonly text: string;
  /** 1-based column of the argument in `commandLine`. */
  readonly col: number;
}

export interface ScenarioOverride {
  /** Dotted key as the user wrote it, e.g. `model.registry.replicas`. */
  readonly key: string;
  readonly path: ReadonlyArray<string | number>;
  readonly value: unknown;
  readonly argument: ArgumentPosition;
}

/** How a swept key's values are spaced, for chart axes and the knee. */
export type SweepScale = 'linear' | 'log' | 'list';

export interface SweepAxis {
  readonly key: string;
  readonly path: ReadonlyArray<string | number>;
  readonly values: readonly unknown[];
  readonly scale: SweepScale;
  readonly argument: ArgumentPosition;
}

/** A sweep of 10,000s of points is a typo, not a plan. */
export const MAX_SWEEP_VALUES = 200;

const KEY_PATTERN = /^[A-Za-z][A-Za-z0-9]*(\.([A-Za-z][A-Za-z0-9]*|\d+))*$/;
const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
const RANGE_PATTERN = new RegExp(`^(${NUMBER})\\.\\.(${NUMBER})(?:(x|\\+)(${NUMBER}))?$`, 'i');

export const COMMAND_LINE = 'command line';

function argumentProblem(argument: ArgumentPosition, offset: number, keyPath: string, message: string, hint: string): InputProblem {
  return { location: { file: COMMAND_LINE, line: 1, col: argument.col + offset }, keyPath, message, hint };
}

export function invalidArguments(problems: InputProblem[]): ShipbenchError {
  return new ShipbenchError('invalid-argument', `${problems.length} problem${problems.length === 1 ? '' : 's'} on the command line; nothing was run`, {
    exitCode: ExitCode.usage,
    problems,
    hint: 'KEY is a dotted scenario path (see `shipbench schema`), e.g. --sweep fleet.nodes=100,300,600',
  });
}

function splitKey(argument: ArgumentPosition, flag: string): { key: string; path: Array<string | number>; rest: string } {
  const eq = argument.text.indexOf('=');
  const key = eq < 0 ? argument.text : argument.text.slice(0, eq);
  if (eq < 0 || eq === argument.text.length - 1) {
    throw invalidArguments([argumentProblem(argument, eq < 0 ? 0 : eq + 1, key, `${flag} ${JSON.stringify(argument.text)} has no value`, `write ${flag} KEY=VALUE${flag === '--sweep' ? ',VALUE...' : ''}`)]);
  }
  if (!KEY_PATTERN.test(key)) {
    throw invalidArguments([argumentProblem(argument, 0, key, `${JSON.stringify(key)} is not a scenario key path`, 'write keys as in the file, joined by dots, e.g. model.registry.replicas')]);
  }
  const path = key.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return { key, path, rest: argument.text.slice(eq + 1) };
}

/** A command-line value read as YAML would read it in the file: `600` a number, `1Gbit/s` a string, `true` a boolean. */
function yamlScalar(text: string): unknown {
  try {
    return parseYamlValue(text) as unknown;
  } catch {
    return text;
  }
}

export function parseSetArgument(argument: ArgumentPosition): ScenarioOverride {
  const { key, path, rest } = splitKey(argument, '--set');
  return { key, path, value: yamlScalar(rest), argument };
}

function rangeValues(argument: ArgumentPosition, offset: number, key: string, match: RegExpMatchArray): { values: number[]; scale: SweepScale } {
  const from = Number(match[1]);
  const to = Number(match[2]);
  const op = match[3];
  const by = match[4] === undefined ? 1 : Number(match[4]);
  const fail = (message: string, hint: string) => invalidArguments([argumentProblem(argument, offset, key, message, hint)]);
  if (!(to > from)) throw fail(`the range ${match[0]} does not go up (${from} to ${to})`, 'write LOW..HIGH, e.g. 1..8');
  const values: number[] = [];
  if (op === 'x' || op === 'X') {
    if (!(by > 1) || !(from > 0)) throw fail(`the geometric range ${match[0]} needs a start above 0 and a factor above 1`, 'e.g. 100..10000x10 gives 100, 1000, 10000');
    for (let v = from; v <= to * (1 + 1e-9); v *= by) values.push(Number(v.toPrecision(12)));
  } else {
    if (!(by > 0)) throw fail(`the step of ${match[0]} must be above 0`, 'e.g. 1..8 or 0..100+25');
    for (let i = 0; from + i * by <= to * (1 + 1e-12) + 1e-12; i++) values.push(Number((from + i * by).toPrecision(12)));
  }
  if (values.length > MAX_SWEEP_VALUES) throw fail(`the range ${match[0]} has ${values.length} values (at most ${MAX_SWEEP_VALUES})`, 'take a larger step, or a geometric range such as 100..10000x2');
  if (values[values.length - 1] !== to) values.push(to);
  return { values: [...new Set(values)], scale: op === 'x' || op === 'X' ? 'log' : 'linear' };
}

/** `KEY=V1,V2,...`, `KEY=LOW..HIGH` (step 1), `KEY=LOW..HIGH+STEP` or `KEY=LOW..HIGHxFACTOR` (geometric). */
export function parseSweepArgument(argument: ArgumentPosition): SweepAxis {
  const { key, path, rest } = splitKey(argument, '--sweep');
  const offset = key.length + 1;
  const range = rest.match(RANGE_PATTERN);
  if (range !== null) return { key, path, ...rangeValues(argument, offset, key, range), argument };
  const parts = rest.split(',');
  const empty = parts.findIndex((p) => p.trim() === '');
  if (empty >= 0) {
    const at = offset + parts.slice(0, empty).reduce((n, p) => n + p.length + 1, 0);
    throw invalidArguments([argumentProblem(argument, at, key, `value ${empty + 1} of ${JSON.stringify(rest)} is empty`, 'separate values by single commas: 100,300,600')]);
  }
  if (parts.length > MAX_SWEEP_VALUES) throw invalidArguments([argumentProblem(argument, offset, key, `${parts.length} values (at most ${MAX_SWEEP_VALUES})`, 'sweep fewer values')]);
  const values = parts.map(yamlScalar);
  const numeric = values.every((v) => typeof v === 'number');
  return { key, path, values, scale: numeric ? 'linear' : 'list', argument };
}

/** Column in `commandLine` where each of `args` starts, for positions in problems. */
export function argumentPositions(args: readonly string[], prefix: string): ArgumentPosition[] {
  let col = prefix.length + 2;
  return args.map((text) => {
    const position = { text, col };
    col += text.length + 1;
    return position;
  });
}

/** The scenario's YAML with each override written in (maps created where missing); comments and order kept. */
export function applyOverrides(source: string, overrides: readonly ScenarioOverride[]): string {
  const doc = parseDocument(source);
  for (const o of overrides) {
    // A key under a plain value (`cadence.every` where the file says `cadence: per-merge`) has nowhere to go.
    const blocking = o.path.findIndex((_, n) => n > 0 && doc.hasIn(o.path.slice(0, n)) && !isCollection(doc.getIn(o.path.slice(0, n), true)));
    if (blocking > 0) {
      const parent = o.path.slice(0, blocking).join('.');
      throw invalidArguments([
        argumentProblem(o.argument, 0, o.key, `cannot set ${o.key}: ${parent} is a plain value in the file (${JSON.stringify(doc.getIn(o.path.slice(0, blocking)))}), not a mapping`, `set the whole key instead, e.g. --set '${parent}={ ${String(o.path[blocking])}: ${valueText(o.value)} }'`),
      ]);
    }
    doc.setIn(o.path as Array<string | number>, o.value);
  }
  // No re-folding: every line keeps its number, so problems elsewhere in the file still point at the right place.
  return doc.toString({ lineWidth: 0 });
}

/** Where `keyPath` (or its nearest existing parent) stands in the file as the user wrote it. */
function locateInSource(source: string, file: string, keyPath: string): SourceLocation {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  const path = keyPath === '' ? [] : keyPath.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range !== undefined && node.range !== null) return { file, ...lineCounter.linePos(node.range[0]) };
  }
  return { file, line: 1, col: 1 };
}

/** An override's value as the user could have typed it: a list or a mapping (`{ empirical: [...] }`) as JSON. */
function valueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/**
 * Turns a validation failure of the overridden scenario into problems on the command line where they concern an
 * overridden key, so the user sees which argument to fix; other problems are placed in the file as written (the
 * overridden text may have moved them) and name the arguments that led to them.
 */
export function blameOverrides(error: ShipbenchError, overrides: readonly ScenarioOverride[], source: string): ShipbenchError {
  if (error.problems.length === 0) return error;
  const problems = error.problems.map((p) => {
    const o = overrides.find((x) => p.keyPath === x.key || p.keyPath.startsWith(`${x.key}.`));
    if (o === undefined) return { ...p, location: locateInSource(source, p.location.file, p.keyPath), message: `${p.message} (with ${overrides.map((x) => `${x.key}=${valueText(x.value)}`).join(', ')})` };
    // An unknown key is the key's fault; anything else, the value's.
    const valueAt = p.keyPath === o.key && /^unknown key/.test(p.message) ? 0 : o.argument.text.indexOf('=') + 1;
    return { ...p, location: { file: COMMAND_LINE, line: 1, col: o.argument.col + valueAt }, message: `${p.message} (at ${o.key}=${valueText(o.value)})` };
  });
  return new ShipbenchError(error.code, error.message, { exitCode: error.exitCode, problems, ...(error.hint === undefined ? {} : { hint: error.hint }) });
}
