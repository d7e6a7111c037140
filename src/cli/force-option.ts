/** `--force`, shared by every command that writes into an output directory; a leaf, so command lines may load it at start. */
export const FORCE_OPTION = {
  describe: 'write into an existing non-empty directory shipbench did not create (only its own files are written there; nothing is removed)',
  type: 'boolean',
  default: false,
} as const;
