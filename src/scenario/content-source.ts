import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { pathName } from './path-name.ts';
import type { ResolvedContentSource, ResolvedSourceComponent } from './content-source-resolved.ts';
import type { ResolvedComponent, ResolvedStep } from './resolved.ts';
import type { SemanticProblem } from './semantic-problem.ts';

/**
 * `content.source`: real content instead of the synthetic model, so a user benchmarks their own code.
 * - `{ dir: PATH }`: a real tree; the scenario's synthetic deploy steps then edit its real files;
 * - `{ git: { repo: PATH, refs: [A, B, ...] } }`: each ref is a deploy step, its tree read with git itself.
 * Components (what per-component layering groups by) come from path globs, MediaWiki's by default.
 * What the user points at is only ever read.
 */

const componentName = pathName('a component name', /^[a-z0-9][a-z0-9-]*$/, 'a component name is lower-case letters, digits and dashes');
const glob = z.string().min(1, 'a path glob is not empty').regex(/^(?!\/)/, 'a path glob is relative to the source root: no leading /');
const sourceComponentInput = z.strictObject({ name: componentName, paths: z.array(glob).min(1, 'list at least one path glob') });
// A ref is handed to git as an argument: never let it read as an option.
const gitRef = z.string().min(1, 'a ref is not empty').regex(/^[^-\s][^\s]*$/, 'a ref is a branch, tag or commit: no leading - and no spaces');
const imageAt = z.string().regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, 'a relative path inside the image, without ..').optional()
  .meta({ description: 'where the source tree goes in the image (default srv/mediawiki)' });

export const contentSourceInput = z.union(
  [
    z.strictObject({ dir: z.string().min(1, 'name a directory'), at: imageAt, components: z.array(sourceComponentInput).min(1).optional() }),
    z.strictObject({
      git: z.strictObject({ repo: z.string().min(1, 'name a git repository'), refs: z.array(gitRef).min(1, 'list at least one ref').max(100, 'at most 100 refs') }),
      at: imageAt,
      components: z.array(sourceComponentInput).min(1).optional(),
    }),
    z.strictObject({
      image: z.string().min(1, 'name an image').meta({ description: 'an OCI layout dir (DIR or DIR:TAG), a docker-archive tarball, or http://HOST:PORT/REPO:TAG / docker://HOST/REPO:TAG' }),
      at: z.literal('').optional().meta({ description: 'the image rootfs goes at the image root' }),
      components: z.array(sourceComponentInput).min(1).optional(),
    }),
  ],
  { error: 'expected { dir: PATH }, { git: { repo: PATH, refs: [REF, ...] } } or { image: REF }' },
).meta({ description: 'real content instead of the synthetic model: a directory tree, git refs (one deploy step each), or an image\'s rootfs' });

export type ContentSourceInput = z.infer<typeof contentSourceInput>;

export type { ResolvedContentSource, ResolvedSourceComponent } from './content-source-resolved.ts';

/** MediaWiki's layout: what a staging tree (or a checkout of core with extensions and skins) holds. */
export const MEDIAWIKI_SOURCE_COMPONENTS: readonly ResolvedSourceComponent[] = [
  { name: 'l10n-cache', paths: ['cache/l10n/**', '**/cache/l10n/**'] },
  { name: 'config', paths: ['wmf-config/**'] },
  { name: 'vendor', paths: ['vendor/**', '**/vendor/**'] },
  { name: 'extensions', paths: ['extensions/**', '**/extensions/**'] },
  { name: 'skins', paths: ['skins/**', '**/skins/**'] },
  { name: 'core', paths: ['**'] },
];

export const DEFAULT_SOURCE_AT = 'srv/mediawiki';

// Absolute, so reports and inspect name the same tree wherever they were run from.
const fromScenario = (sourceFile: string, path: string): string => resolve(dirname(sourceFile), path);

export function resolveContentSource(input: ContentSourceInput, sourceFile: string): ResolvedContentSource {
  const common = { at: (input.at ?? DEFAULT_SOURCE_AT).replace(/\/+$/, ''), components: input.components ?? MEDIAWIKI_SOURCE_COMPONENTS };
  if ('dir' in input) return { kind: 'dir', dir: fromScenario(sourceFile, input.dir), ...common };
  if ('image' in input) return { kind: 'image', image: isRegistryReference(input.image) ? input.image : localImage(sourceFile, input.image), at: '', components: common.components };
  return { kind: 'git', repo: fromScenario(sourceFile, input.git.repo), refs: input.git.refs, ...common };
}

/**
 * What the source names must exist before anything runs: the directory, or the repository and every ref
 * (asked of git itself, read-only). Each problem points at the key the user wrote.
 */
export function contentSourceProblems(input: ContentSourceInput | undefined, sourceFile: string, hasDeploy: boolean): SemanticProblem[] {
  if (input === undefined) return [];
  if ('dir' in input) {
    const dir = fromScenario(sourceFile, input.dir);
    const info = statOf(dir);
    if (info === undefined) return [{ path: ['content', 'source', 'dir'], message: `the source directory ${dir} does not exist or cannot be read`, hint: 'relative paths are relative to the scenario file; fix the path' }];
    if (!info.isDirectory()) return [{ path: ['content', 'source', 'dir'], message: `${dir} is not a directory`, hint: 'name the root of the tree to ship' }];
    return [];
  }
  if ('image' in input) return imageSourceProblems(input.image, sourceFile);
  const problems: SemanticProblem[] = [];
  if (hasDeploy) {
    problems.push({ path: ['deploy'], message: 'with a git source, each ref is a deploy step, so deploy: cannot list steps too', hint: 'remove deploy:, or use content.source.dir with synthetic deploy steps' });
  }
  const repo = fromScenario(sourceFile, input.git.repo);
  if (statOf(repo)?.isDirectory() !== true) return [...problems, { path: ['content', 'source', 'git', 'repo'], message: `the git repository ${repo} does not exist`, hint: 'relative paths are relative to the scenario file; name a clone (its work tree or its .git)' }];
  if (git(repo, ['rev-parse', '--git-dir']) === undefined) return [...problems, { path: ['content', 'source', 'git', 'repo'], message: `${repo} is not a git repository`, hint: 'name a clone (its work tree or its .git), or a bare repository' }];
  input.git.refs.forEach((ref, i) => {
    if (git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]) === undefined) {
      problems.push({ path: ['content', 'source', 'git', 'refs', i], message: `"${ref}" is not a commit of ${repo}`, hint: 'name a branch, tag or commit the repository holds (git log --oneline shows them)' });
    }
  });
  return problems;
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** git's trimmed output, or undefined when it fails. Never writes: only plumbing that reads. */
export function git(repo: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).trim();
  } catch {
    return undefined;
  }
}

/** A git source's deploy steps: the first ref is the initial tree, each later one a step named after it. */
export function gitDeploySteps(refs: readonly string[]): ResolvedStep[] {
  return refs.map((ref, i): ResolvedStep => {
    if (i === 0) return { name: 'initial', kind: 'initial' };
    // Step names become image tags: letters, digits, dots, dashes, underscores, at most 100 characters.
    const name = `${i}-${ref.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '')}`.slice(0, 100);
    return { name, kind: 'backport', files: 0, removes: 0, version: 'newest' };
  });
}

/** The components a source's files fall in, as the rest of shipbench sees components (sizes known once read). */
export function sourceComponents(source: ResolvedContentSource): ResolvedComponent[] {
  const names = [...new Set([...source.components.map((c) => c.name), 'core'])];
  // The l10n cache where scap keeps it, so the volume side's rebuild (volume.l10n) finds its upstream JSON.
  return names.map((name) => (name === 'l10n-cache'
    ? { name, files: 0, bytes: 0, kind: 'cdb', perVersion: false, dir: source.at === '' ? 'cache/l10n' : `${source.at}/cache/l10n`, base: false }
    : { name, files: 0, bytes: 0, kind: 'php', perVersion: false, dir: source.at, base: false }));
}

/** Registry references as `check` takes them: http(s)://HOST:PORT/REPO:TAG or docker://HOST/REPO:TAG. */
const isRegistryReference = (text: string): boolean => /^(https?|docker):\/\//.test(text);

/** A local image path, absolute; an OCI layout's `:TAG` suffix stays on. */
function localImage(sourceFile: string, text: string): string {
  const tagged = /^(.*):([A-Za-z0-9_][A-Za-z0-9._-]{0,127})$/.exec(text);
  if (tagged !== null && statOf(fromScenario(sourceFile, tagged[1] as string))?.isDirectory() === true) return `${fromScenario(sourceFile, tagged[1] as string)}:${tagged[2] as string}`;
  return fromScenario(sourceFile, text);
}

function imageSourceProblems(image: string, sourceFile: string): SemanticProblem[] {
  if (isRegistryReference(image)) return [];
  const local = localImage(sourceFile, image);
  const tagged = /^(.*):[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.exec(local);
  const path = tagged !== null && statOf(tagged[1] as string)?.isDirectory() === true ? (tagged[1] as string) : local;
  const info = statOf(path);
  if (info !== undefined && (info.isDirectory() || info.isFile())) return [];
  return [{
    path: ['content', 'source', 'image'],
    message: info === undefined ? `the image ${path} does not exist` : `${path} is neither an OCI layout directory nor a docker-archive file`,
    hint: 'name an OCI layout dir (DIR or DIR:TAG), a docker-archive tarball (relative to the scenario file), or a registry image as http://HOST:PORT/REPO:TAG',
  }];
}
