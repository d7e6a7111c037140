/**
 * The V8 heap flags the CLI runs with: bin/shipbench.js's first line, where they are explained (its `env -S`
 * shebang cannot import this). Sweep points and the benches start node with them too, whichever way their
 * parent started; test/cli/cli-heap-flags.test.ts keeps the shebang and this list the same.
 */
export const CLI_HEAP_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--initial-old-space-size=128'];
