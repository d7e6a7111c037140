import { z } from 'zod';

/**
 * Names that become directory or file names (the scenario's under reports/, strategies' and steps' under
 * --out, neighbours' work dirs): a safe set of characters (each caller's pattern: letters, digits and some of
 * `. _ -`, never a leading `.` or `-`, so no `/`, `..`, NUL or control character) and a length every file
 * system takes, well under the 255 bytes of a path component. Kept as zod checks so `shipbench schema`
 * carries them too (maxLength, pattern).
 */
export const MAX_NAME_LENGTH = 100;

const CHARACTER_MESSAGES = new Set<string>();

/** For problems-from-zod: a name's characters were refused, so say why they matter. */
export const isPathNameMessage = (message: string): boolean => CHARACTER_MESSAGES.has(message);
export const PATH_NAME_HINT = 'it becomes a directory name: start with a letter or digit and use only the characters named (no /, space or control character)';

export function pathName(what: string, pattern: RegExp, characters: string, notAString?: string) {
  CHARACTER_MESSAGES.add(characters);
  return z.string(notAString === undefined ? undefined : { error: notAString }).max(MAX_NAME_LENGTH, `${what} becomes a directory name, so it is at most ${MAX_NAME_LENGTH} characters`).regex(pattern, characters);
}
