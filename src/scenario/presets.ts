import type { ResolvedComponent } from './resolved.ts';

/**
 * Content presets at scale 1, built from the public figures in DOMAIN.md:
 * - the multiversion tree rsync saw: 263,633 files, 6.86-8.76 GB, two branches live during a train;
 * - localisation cache: 449 CDB files per version, about 2.1 GB;
 * - about 184 extensions, 4 skins, vendor and core; i18n JSON in 435 languages (small files, median 2-4 KB);
 * - binaries in vendor (FST tables, shared objects, serialised data) are few and compress like a .so (2-2.5x);
 * - data JSON (manifests, siteinfo dumps, icon lists, source maps) about 8% of the bytes, as in Debian's tree;
 * - READMEs, licences, SQL and templates (text) beside the code, about 4% of the files, as in Debian's tree;
 * - JS, CSS/LESS/SVG and images as their own components, with per-kind file sizes as in a real tree (PHP and
 *   JS median about 2.5 KB, i18n JSON 1 KB, styles a few hundred bytes; DOMAIN.md, Debian's MediaWiki 1.39);
 * - the mix of kinds (share of files and bytes per kind) as in Debian's MediaWiki 1.39: PHP 23% of the files
 *   and 17% of the bytes, i18n JSON 55% of the bytes, CSS/LESS/SVG 13% of the files (mostly small icons).
 * Per branch below: 137,309 files and about 3.2 GiB (code means per kind as in a real tree: PHP about 7 KB,
 * i18n JSON 9 KB, JS 15 KB, data JSON 60 KB); two branches plus the shared config and docroot give 277,916
 * code files and 9.9 GiB; without the l10n CDB files scap does not rsync, 277,018 files and 6.4 GB (the tree
 * rsync saw: 263,633 files, 6.86-8.76 GB).
 */
/** A preset component has the shape of a resolved one, at scale 1. */
export type PresetComponent = ResolvedComponent;

const MiB = 2 ** 20;
const branch = 'srv/mediawiki/php-{version}';

const MEDIAWIKI_COMPONENTS: readonly PresetComponent[] = [
  { name: 'base', files: 9_000, bytes: 150 * MiB, kind: 'binary', perVersion: false, dir: 'usr', base: true },
  { name: 'core', files: 7_300, bytes: 50 * MiB, kind: 'php', perVersion: true, dir: `${branch}/includes`, base: false },
  { name: 'vendor', files: 10_400, bytes: 65 * MiB, kind: 'php', perVersion: true, dir: `${branch}/vendor`, base: false },
  { name: 'vendor-binaries', files: 60, bytes: 20 * MiB, kind: 'binary', perVersion: true, dir: `${branch}/vendor/wikimedia/data`, base: false },
  { name: 'skins', files: 1_500, bytes: 14 * MiB, kind: 'php', perVersion: true, dir: `${branch}/skins`, base: false },
  { name: 'extensions', files: 12_200, bytes: 86 * MiB, kind: 'php', perVersion: true, dir: `${branch}/extensions`, base: false },
  { name: 'resources', files: 11_000, bytes: 159 * MiB, kind: 'js', perVersion: true, dir: `${branch}/resources`, base: false },
  { name: 'styles', files: 17_000, bytes: 32 * MiB, kind: 'css', perVersion: true, dir: `${branch}/resources`, base: false },
  { name: 'images', files: 700, bytes: 17 * MiB, kind: 'image', perVersion: true, dir: `${branch}/resources`, base: false },
  { name: 'data', files: 1_800, bytes: 100 * MiB, kind: 'data', perVersion: true, dir: `${branch}/extensions`, base: false },
  { name: 'i18n', files: 69_550, bytes: 655 * MiB, kind: 'json', perVersion: true, dir: `${branch}/languages/i18n`, base: false },
  // READMEs, licences, SQL schema files and templates in the components' own directories (Debian: 929 files,
  // 4% of the files, 2.8% of the bytes): core's (maintenance/, sql/) are many and small, vendor's and
  // extensions' fewer and bigger (licences, changelogs, docs). Taken from i18n (files and bytes).
  { name: 'core-docs', files: 2_300, bytes: 8_300_000, kind: 'text', perVersion: true, dir: `${branch}/includes`, base: false },
  { name: 'vendor-docs', files: 1_350, bytes: 13_100_000, kind: 'text', perVersion: true, dir: `${branch}/vendor`, base: false },
  { name: 'extension-docs', files: 1_310, bytes: 13_500_000, kind: 'text', perVersion: true, dir: `${branch}/extensions`, base: false },
  { name: 'skin-docs', files: 390, bytes: 730_000, kind: 'text', perVersion: true, dir: `${branch}/skins`, base: false },
  { name: 'l10n-cache', files: 449, bytes: 2_100_000_000, kind: 'cdb', perVersion: true, dir: `${branch}/cache/l10n`, base: false },
  { name: 'docroot', files: 1_800, bytes: 45 * MiB, kind: 'php', perVersion: false, dir: 'srv/mediawiki/docroot', base: false },
  { name: 'config', files: 600, bytes: 12 * MiB, kind: 'php', perVersion: false, dir: 'srv/mediawiki/wmf-config', base: false },
];

export interface Preset {
  readonly description: string;
  readonly versions: number;
  readonly components: readonly PresetComponent[];
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  'mediawiki-multiversion': {
    description: 'MediaWiki as Wikimedia deploys it: two live branches, l10n cache, shared config, on a PHP base image',
    versions: 2,
    components: MEDIAWIKI_COMPONENTS,
  },
  'mediawiki-single-version': {
    description: 'one MediaWiki branch with its l10n cache (the single-version image flavour)',
    versions: 1,
    components: MEDIAWIKI_COMPONENTS,
  },
  empty: {
    description: 'no components: the scenario lists its own',
    versions: 1,
    components: [],
  },
};

export const DEFAULT_FIRST_VERSION = '1.45.0-wmf.1';
