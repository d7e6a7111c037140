import type { ResolvedSourceComponent } from '../../scenario/content-source.ts';
import { globToRegExp } from './path-glob.ts';

/** Which component a source file belongs to: the first whose globs match its path; `core` if none does. */
export function sourceComponentMatcher(components: readonly ResolvedSourceComponent[]): (relativePath: string) => string {
  const compiled = components.map((c) => ({ name: c.name, patterns: c.paths.map(globToRegExp) }));
  return (path) => compiled.find((c) => c.patterns.some((p) => p.test(path)))?.name ?? 'core';
}
