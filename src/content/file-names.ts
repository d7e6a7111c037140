import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * Relative paths of a component's files, shaped like MediaWiki's: nested directories of CamelCase PHP files,
 * i18n folders holding one JSON file per language, one l10n cache CDB file per language, and a few big
 * binaries. Names are unique by construction (an index is part of each).
 */

const SYLLABLES = ['ac', 'ar', 'ba', 'ca', 'de', 'do', 'el', 'en', 'fa', 'ge', 'hi', 'in', 'jo', 'ka', 'la', 'li', 'ma', 'mo', 'ne', 'no', 'or', 'pa', 'pe', 'qu', 'ra', 're', 'sa', 'se', 'ta', 'to', 'ul', 'va', 'wi', 'xe', 'yo', 'za'];
const WORDS = ['Page', 'Revision', 'User', 'Title', 'Parser', 'Cache', 'Store', 'Handler', 'Service', 'Api', 'Special', 'Hook', 'Content', 'Message', 'Config', 'Language', 'Skin', 'Output', 'Request', 'Database', 'Lookup', 'Factory', 'Job', 'Log', 'File', 'Media', 'Search', 'Session', 'Auth', 'Link', 'Html', 'Json', 'Rest', 'Storage', 'Rdbms', 'Maintenance', 'Watch', 'Edit', 'Diff', 'Category'];

/** The words in lower case, for lower-case names: the same draw as `word`, without lower-casing a word per file. */
const LOWER_CASE_WORDS = WORDS.map((w) => w.toLowerCase());

function word(rng: Rng): string {
  return rng.pick(WORDS);
}

function lowerCaseWord(rng: Rng): string {
  return rng.pick(LOWER_CASE_WORDS);
}

function syllables(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(SYLLABLES);
  return s;
}

/** 2-3 letter language-like codes, unique, deterministic: en, de, ..., then zh-hant-like variants. */
export function languageCodes(count: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const codes: string[] = ['en', 'de', 'fr', 'es', 'ja', 'ru', 'it', 'zh', 'pt', 'pl', 'nl', 'sv', 'uk', 'fa', 'ar', 'he'];
  for (let i = 0; codes.length < count; i++) {
    const code = i < 676 ? `${letters[Math.floor(i / 26)]}${letters[i % 26]}` : `${letters[Math.floor(i / 676) % 26]}${letters[Math.floor(i / 26) % 26]}${letters[i % 26]}-x${Math.floor(i / 17576)}`;
    if (!codes.includes(code)) codes.push(code);
  }
  return codes.slice(0, count);
}

/**
 * Directories of a code tree: a tree with a fan-out of a few directories per level, up to `maxDepth` deep,
 * like includes/ or an extension's src/.
 */
function nestedDirectories(rng: Rng, count: number, maxDepth: number, lowerCase: boolean): string[] {
  // Each new directory goes under a random earlier one (or the top, a third of the time): a random tree, a few
  // levels deep on average, with deep corners (Debian's MediaWiki: path depth p50 3, p90 7).
  const dirs: string[] = [];
  while (dirs.length < count) {
    const parent = dirs.length === 0 || rng.next() < 0.3 ? '' : (dirs[rng.int(0, dirs.length - 1)] as string);
    const name = `${word(rng)}${dirs.length}`;
    const path = parent === '' || parent.split('/').length >= maxDepth ? name : `${parent}/${lowerCase ? name.toLowerCase() : name}`;
    dirs.push(path);
  }
  return dirs;
}

/**
 * How a kind's files spread over directories: the mean files per directory before the spread, and the spread
 * of directory weights (log-normal). Read off Debian's MediaWiki 1.39 (bench/content-calibration.ts real):
 * PHP median 4 files per directory, mean 10; JS median 2, mean 8 (a module per directory, a few bundles of
 * hundreds); CSS/LESS/SVG median 2, mean 14 (an icon set of 995 SVGs next to directories of one stylesheet);
 * docs, licences and SQL (text) median 2, mean 3.6; images median 1, mean 4 (a skeleton of one directory per image: in a directory tree shared with JS and
 * styles, two per image left too few directories of their own for a median of 1).
 */
interface DirectoryShape {
  readonly meanFilesPerDir: number;
  readonly sigma: number;
}

const DIRECTORY_SHAPE: Record<Exclude<ContentKind, 'json' | 'cdb' | 'data'>, DirectoryShape> = {
  php: { meanFilesPerDir: 9, sigma: 1.6 },
  js: { meanFilesPerDir: 4, sigma: 2.0 },
  css: { meanFilesPerDir: 4, sigma: 2.4 },
  image: { meanFilesPerDir: 1, sigma: 1.6 },
  binary: { meanFilesPerDir: 9, sigma: 1.6 },
  text: { meanFilesPerDir: 3, sigma: 1.2 },
};

/**
 * Files spread over directories as in real trees: most directories hold a few files, a few hold hundreds.
 * Directory weights are log-normal.
 */
function spreadOverDirectories(rng: Rng, dirs: readonly string[], count: number, sigma: number): string[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let d = 0; d < dirs.length; d++) cumulative.push((total += Math.exp(sigma * rng.normal())));
  const spread = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    spread[i] = dirs[lo] as string;
  }
  return spread;
}

/**
 * The directory tree components placed under one dir draw their directories from: in a real tree kinds share
 * directories (a module's JS, LESS, SVG and images side by side; an extension's extension.json next to its
 * PHP). `rng` is derived from the dir alone, fresh for each component, so nestedDirectories gives every
 * component the same sequence and a component needing fewer directories takes a prefix of a larger one's.
 * Under a PHP tree directories are CamelCase (PSR-4 namespaces), elsewhere lower case.
 */
export interface DirectoryLayout {
  readonly rng: Rng;
  readonly lowerCase: boolean;
}

function codeNames(rng: Rng, kind: keyof typeof DIRECTORY_SHAPE, count: number, extension: (i: number) => string, lowerCase: boolean, layout: DirectoryLayout): string[] {
  const { meanFilesPerDir, sigma } = DIRECTORY_SHAPE[kind];
  const dirs = spreadOverDirectories(rng, nestedDirectories(layout.rng, Math.max(1, Math.ceil(count / meanFilesPerDir)), 7, layout.lowerCase), count, sigma);
  return dirs.map((dir, i) => `${dir}/${lowerCase ? `${syllables(rng, 2)}-${lowerCaseWord(rng)}` : `${word(rng)}${word(rng)}`}${i}.${extension(i)}`);
}

/** Style file types by share of files, as in Debian's MediaWiki (2,200 SVG, 402 LESS, 360 CSS): 37:7:6. */
const STYLE_EXTENSIONS = [...Array<string>(37).fill('svg'), ...Array<string>(7).fill('less'), ...Array<string>(6).fill('css')];
const IMAGE_EXTENSIONS = ['png', 'png', 'png', 'png', 'png', 'png', 'png', 'png', 'gif', 'jpg'];
const BINARY_EXTENSIONS = ['so', 'fst', 'bin', 'dat'];

/**
 * Text files by share of Debian's MediaWiki's 929 (file-names by what they are): SQL schema and patch files
 * 33%, licences 16%, READMEs, changelogs and docs 30%, Mustache and HTML templates 9%, scripts and the rest
 * 12%. A fixed name (README.md) is used once per directory, then a named doc takes its place. SQL files sit in
 * a `sql/` directory of their own (core's sql/mysql, an extension's sql/), half the named docs in `docs/`.
 */
const TEXT_NAMES: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0.33, ['.sql']],
  [0.16, ['LICENSE', 'COPYING', 'LICENSE.txt', 'MIT-LICENSE.txt']],
  [0.3, ['README.md', 'README', 'CHANGELOG.md', 'HISTORY.md', 'AUTHORS.txt', 'CREDITS', '.md', '.txt', '.md']],
  [0.09, ['.mustache', '.mustache', '.html']],
  [0.12, ['.sh', '.lua', '.yaml', '.xml', '.py']],
];

function textNames(rng: Rng, count: number, layout: DirectoryLayout): string[] {
  const { meanFilesPerDir, sigma } = DIRECTORY_SHAPE.text;
  const dirs = spreadOverDirectories(rng, nestedDirectories(layout.rng, Math.max(1, Math.ceil(count / meanFilesPerDir)), 7, layout.lowerCase), count, sigma);
  const used = new Set<string>();
  return dirs.map((dir, i) => {
    let u = rng.next();
    const name = rng.pick(TEXT_NAMES.find(([share]) => (u -= share) < 0)?.[1] ?? ['.md']);
    const fixed = `${dir}/${name}`;
    if (!name.startsWith('.') && !used.has(fixed)) {
      used.add(fixed);
      return fixed;
    }
    const ext = name.startsWith('.') ? name : '.md';
    const own = ext === '.sql' ? '/sql/patch-' : ext === '.md' && rng.next() < 0.5 ? '/docs/' : '/';
    return `${dir}${own}${syllables(rng, 2)}-${lowerCaseWord(rng)}${i}${ext}`;
  });
}

const MANIFESTS = ['composer.json', 'extension.json', 'package.json', 'composer.json', 'skin.json', 'extension.json'];

/**
 * Data JSON comes as lone files (one composer.json or extension.json per package, a config, a fixture) and as
 * a few data sets, a directory of sibling files of one schema (parsoid's siteinfo dump per wiki: two sets of
 * 19 files of about 300 KB). Debian's MediaWiki: 309 files, 58 of them above 20 KB holding 97% of the bytes,
 * files per directory median 1.
 */
/** Share of data groups that are data sets rather than a lone file: sets then hold about a fifth of the files. */
const DATA_SET_GROUPS = 0.015;
const DATA_SET_PREFIX = 'set-';

/** Whether a data JSON file (relative name) is a member of a data set rather than a lone manifest. */
export function isDataSetMember(name: string): boolean {
  const slash = name.lastIndexOf('/');
  return name.startsWith(DATA_SET_PREFIX, name.lastIndexOf('/', slash - 1) + 1);
}

function dataNames(rng: Rng, count: number, layout: DirectoryLayout): string[] {
  const dirs = nestedDirectories(layout.rng, Math.max(1, Math.ceil(count / 1.25)), 7, layout.lowerCase);
  const names: string[] = [];
  for (let g = 0; names.length < count; g++) {
    const dir = dirs[g % dirs.length] as string;
    if (rng.next() >= DATA_SET_GROUPS) {
      names.push(`${dir}/${g >= dirs.length ? `${g}-` : ''}${rng.pick(MANIFESTS)}`);
      continue;
    }
    const set = `${dir}/${DATA_SET_PREFIX}${syllables(rng, 2)}${g}`;
    for (let i = Math.min(count - names.length, rng.int(4, 30)); i > 0; i--) names.push(`${set}/${syllables(rng, 2)}${i}.json`);
  }
  return names;
}

export function fileNames(rng: Rng, kind: ContentKind, count: number, layout: DirectoryLayout): string[] {
  switch (kind) {
    case 'php':
      return codeNames(rng, 'php', count, () => 'php', false, layout);
    case 'js':
      return codeNames(rng, 'js', count, () => 'js', true, layout);
    case 'css':
      return codeNames(rng, 'css', count, (i) => STYLE_EXTENSIONS[i % STYLE_EXTENSIONS.length] as string, true, layout);
    case 'image':
      return codeNames(rng, 'image', count, (i) => IMAGE_EXTENSIONS[i % IMAGE_EXTENSIONS.length] as string, true, layout);
    case 'data':
      return dataNames(rng, count, layout);
    case 'text':
      return textNames(rng, count, layout);
    case 'binary':
      return codeNames(rng, 'binary', count, (i) => BINARY_EXTENSIONS[i % BINARY_EXTENSIONS.length] as string, true, layout);
    case 'json': {
      // One folder per extension or module, holding the languages it is translated into: about 150 of 435
      // (en and qqq always), as real i18n folders do.
      const languages = languageCodes(435);
      const names: string[] = [];
      for (let g = 0; names.length < count; g++) {
        const dir = `${syllables(rng, 2)}${g}`;
        const size = Math.min(count - names.length, rng.int(40, 260));
        const picked = [0, ...rng.sampleIndices(languages.length - 1, size - 1).map((k) => k + 1)];
        for (const k of picked.slice(0, size)) names.push(`${dir}/${k === 1 ? 'qqq' : languages[k]}.json`);
      }
      return names;
    }
    case 'cdb': {
      const languages = languageCodes(count);
      return languages.map((code) => `l10n_cache-${code}.cdb`);
    }
  }
}
