import type { ArgumentPosition } from '../scenario/scenario-overrides.ts';

/** The command line as problems quote it: `shipbench` and the arguments as typed, joined by spaces. */
const PROGRAM = 'shipbench';

/**
 * Where each value of a repeatable flag stands in the raw command line (`--sweep A`, `--sweep=A`), so a bad value
 * is reported as `command line:1:COL`. Values yargs got some other way fall back to column 1.
 */
export function flagArguments(raw: readonly string[], flag: string, values: readonly string[]): ArgumentPosition[] {
  const starts: number[] = [];
  let col = PROGRAM.length + 2;
  for (const token of raw) {
    starts.push(col);
    col += token.length + 1;
  }
  const used = new Set<number>();
  return values.map((text) => {
    for (let i = 0; i < raw.length; i++) {
      if (used.has(i)) continue;
      if (raw[i] === text && raw[i - 1] === flag) {
        used.add(i);
        return { text, col: starts[i]! };
      }
      if (raw[i] === `${flag}=${text}`) {
        used.add(i);
        return { text, col: starts[i]! + flag.length + 1 };
      }
    }
    return { text, col: 1 };
  });
}
