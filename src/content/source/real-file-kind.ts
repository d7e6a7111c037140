import type { ContentKind } from '../../scenario/content-kind.ts';

/**
 * The content kind of a real file, from its path as the calibration bench classifies Debian's MediaWiki:
 * the kind decides how a synthetic deploy step edits the file (hunks of code, i18n messages, CDB blocks).
 */
const BY_EXTENSION: Record<string, ContentKind> = {
  php: 'php', inc: 'php', phpt: 'php',
  js: 'js', mjs: 'js', cjs: 'js', ts: 'js', vue: 'js',
  css: 'css', less: 'css', scss: 'css', svg: 'css',
  png: 'image', gif: 'image', jpg: 'image', jpeg: 'image', webp: 'image', ico: 'image',
  cdb: 'cdb',
  md: 'text', txt: 'text', sql: 'text', mustache: 'text', html: 'text', rst: 'text', yaml: 'text', yml: 'text', xml: 'text',
  so: 'binary', bin: 'binary', gz: 'binary', zip: 'binary', phar: 'binary', ttf: 'binary', woff: 'binary', woff2: 'binary',
};

export function realFileKind(path: string): ContentKind {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
  if (extension === 'json') return /(^|\/)i18n\//.test(path) ? 'json' : 'data';
  // Docs, licences and SQL are edited with lines of their own kind (README and LICENSE have no extension);
  // any other text (scripts, config) line by line like code.
  if (extension === '' && /^(README|LICEN[CS]E|COPYING|AUTHORS|CREDITS|CHANGELOG|HISTORY|NEWS)/i.test(name)) return 'text';
  return BY_EXTENSION[extension] ?? 'php';
}
