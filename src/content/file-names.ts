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

function nestedDirectories(rng: Rng, count: number): string[] {
  // A tree with a fan-out of about 8 directories per level, like includes/ or an extension's src/.
  const dirs: string[] = [];
  const queue: string[] = [''];
  let i = 0;
  while (dirs.length < count) {
    const parent = queue[i % queue.length] as string;
    i++;
    const name = `${word(rng)}${dirs.length}`;
    const path = parent === '' ? name : `${parent}/${name}`;
    dirs.push(path);
    if (path.split('/').length < 4) queue.push(path);
  }
  return dirs;
}

export function fileNames(rng: Rng, kind: ContentKind, count: number): string[] {
  switch (kind) {
    case 'php': {
      const dirs = nestedDirectories(rng, Math.max(1, Math.ceil(count / 14)));
      return Array.from({ length: count }, (_, i) => `${rng.pick(dirs)}/${word(rng)}${word(rng)}${i}.php`);
    }
    case 'json': {
      // One folder per extension or module, one file per language in it.
      const languages = languageCodes(435);
      const groups = Math.max(1, Math.ceil(count / languages.length));
      return Array.from({ length: count }, (_, i) => `${syllables(rng, 2)}${i % groups}/${languages[Math.floor(i / groups) % languages.length]}${i >= groups * languages.length ? `-${i}` : ''}.json`);
    }
    case 'cdb': {
      const languages = languageCodes(count);
      return languages.map((code) => `l10n_cache-${code}.cdb`);
    }
    case 'binary': {
      const kinds = ['so', 'fst', 'bin', 'dat'];
      const dirs = nestedDirectories(rng, Math.max(1, Math.ceil(count / 20)));
      return Array.from({ length: count }, (_, i) => `${rng.pick(dirs).toLowerCase()}/${syllables(rng, 3)}${i}.${kinds[i % kinds.length]}`);
    }
  }
}
