import type { Rng } from '../core/rng.ts';
import type { ContentKind } from '../scenario/content-kind.ts';

/**
 * Relative paths of a component's files, shaped like MediaWiki's: nested directories of CamelCase PHP files,
 * i18n folders holding one JSON file per language, one l10n cache CDB file per language, and a few big
 * binaries. Names are unique by construction (an index is part of each).
 */

const SYLLABLES = ['ac', 'ar', 'ba', 'ca', 'de', 'do', 'el', 'en', 'fa', 'ge', 'hi', 'in', 'jo', 'ka', 'la', 'li', 'ma', 'mo', 'ne', 'no', 'or', 'pa', 'pe', 'qu', 'ra', 're', 'sa', 'se', 'ta', 'to', 'ul', 'va', 'wi', 'xe', 'yo', 'za'];
const WORDS = ['Page', 'Revision', 'User', 'Title', 'Parser', 'Cache', 'Store', 'Handler', 'Service', 'Api', 'Special', 'Hook', 'Content', 'Message', 'Config', 'Language', 'Skin', 'Output', 'Request', 'Database', 'Lookup', 'Factory', 'Job', 'Log', 'File', 'Media', 'Search', 'Session', 'Auth', 'Link', 'Html', 'Json', 'Rest', 'Storage', 'Rdbms', 'Maintenance', 'Watch', 'Edit', 'Diff', 'Category'];

function word(rng: Rng): string {
  return rng.pick(WORDS);
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
 * Files spread over directories as in real trees: most directories hold a few files, a few hold hundreds
 * (Debian's MediaWiki: median 4 files per directory, mean 20). Directory weights are log-normal.
 */
function spreadOverDirectories(rng: Rng, dirs: readonly string[], count: number): string[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let d = 0; d < dirs.length; d++) cumulative.push((total += Math.exp(1.6 * rng.normal())));
  return Array.from({ length: count }, () => {
    const u = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return dirs[lo] as string;
  });
}

/** Files per directory, on average, before the log-normal spread. */
const MEAN_FILES_PER_DIR = 9;

function codeNames(rng: Rng, count: number, extension: (i: number) => string, lowerCase: boolean): string[] {
  const dirs = spreadOverDirectories(rng, nestedDirectories(rng, Math.max(1, Math.ceil(count / MEAN_FILES_PER_DIR)), 7, lowerCase), count);
  return dirs.map((dir, i) => `${dir}/${lowerCase ? `${syllables(rng, 2)}-${word(rng).toLowerCase()}` : `${word(rng)}${word(rng)}`}${i}.${extension(i)}`);
}

const STYLE_EXTENSIONS = ['svg', 'svg', 'svg', 'svg', 'svg', 'svg', 'svg', 'less', 'css', 'less'];
const IMAGE_EXTENSIONS = ['png', 'png', 'png', 'png', 'png', 'png', 'png', 'png', 'gif', 'jpg'];
const BINARY_EXTENSIONS = ['so', 'fst', 'bin', 'dat'];

const MANIFESTS = ['composer.json', 'extension.json', 'package.json', 'composer.json', 'skin.json', 'extension.json'];

/**
 * Data JSON comes as lone manifests (one composer.json or extension.json per package: about a third of the
 * files) and as data sets, a directory of sibling files of one schema (a siteinfo dump per wiki, an icon list
 * per theme: 4-30 files). Debian's MediaWiki: 309 files, files per directory median 1.
 */
function dataNames(rng: Rng, count: number): string[] {
  const dirs = nestedDirectories(rng, Math.max(1, Math.ceil(count / 2.5)), 7, true);
  const names: string[] = [];
  for (let g = 0; names.length < count; g++) {
    const dir = dirs[g % dirs.length] as string;
    if (rng.next() < 0.9) {
      names.push(`${dir}/${g >= dirs.length ? `${g}-` : ''}${rng.pick(MANIFESTS)}`);
      continue;
    }
    const set = `${dir}/${syllables(rng, 2)}${g}`;
    for (let i = Math.min(count - names.length, rng.int(4, 30)); i > 0; i--) names.push(`${set}/${syllables(rng, 2)}${i}.json`);
  }
  return names;
}

export function fileNames(rng: Rng, kind: ContentKind, count: number): string[] {
  switch (kind) {
    case 'php':
      return codeNames(rng, count, () => 'php', false);
    case 'js':
      return codeNames(rng, count, () => 'js', true);
    case 'css':
      return codeNames(rng, count, (i) => STYLE_EXTENSIONS[i % STYLE_EXTENSIONS.length] as string, true);
    case 'image':
      return codeNames(rng, count, (i) => IMAGE_EXTENSIONS[i % IMAGE_EXTENSIONS.length] as string, true);
    case 'data':
      return dataNames(rng, count);
    case 'binary':
      return codeNames(rng, count, (i) => BINARY_EXTENSIONS[i % BINARY_EXTENSIONS.length] as string, true);
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
