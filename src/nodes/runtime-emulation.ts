import type { ContainerRuntime } from '../scenario/runtime-pull-rules.ts';
import type { DirAttributes } from './rootfs-unpacker.ts';

const MiB = 2 ** 20;

/**
 * How a virtual node behaves like the container runtime it stands for (fleet.node.runtime), beyond which
 * layers it downloads and unpacks (scenario/runtime-pull-rules.ts): where a downloaded blob goes, whether it
 * is synced, and when unpacking may start. Each rule cites the runtime's source it follows.
 */
export interface RuntimeEmulation {
  /**
   * The compressed blob stays on the node after the pull. containerd: the content store keeps every blob
   * (content/local/store.go). docker: the blob goes to a temp file (distribution/pull_v2.go
   * v2LayerDescriptor.Download, `ioutil.TempFile("", "GetImageBlob")`) removed once the layer is
   * registered (tmpFileCloser); only the unpacked layer is kept.
   */
  readonly keepsBlobs: boolean;
  /**
   * The blob is fsynced before it is committed. containerd: content/local/writer.go Commit calls
   * `fp.Sync()` before the rename into blobs/sha256. docker: the temp file is never synced.
   */
  readonly syncsBlob: boolean;
  /**
   * When layer i may start unpacking. `all-fetched`: containerd 1.6 driven by ctr (cmd/ctr/commands/images/
   * pull.go: `content.Fetch` fetches every blob, then `image.Unpack` applies the layers in order).
   * `own-download`: docker (distribution/xfer/download.go: a layer is registered once its own download is
   * done and its parent is registered), so extraction overlaps the downloads above it.
   */
  readonly unpackStarts: 'all-fetched' | 'own-download';
  /**
   * Registering a layer writes synced metadata files: docker's layer store (layer/filestore.go through
   * pkg/ioutils AtomicWriteSet, which fsyncs each; docker-layer-metadata.ts), kept per ChainID in layerdb and
   * removed with the layer. containerd keeps its snapshot records in bolt databases instead
   * (boltTransactionsPerLayer).
   */
  readonly layerMetadata: boolean;
  /**
   * The layer's record includes its tar-split stream, written as the tar passes: docker's layer store
   * (layer/layer_store.go applyTar: asm.NewInputTarStream with a JSON packer into tar-split.json.gz, gzip),
   * which re-reads every header and checksums every file's content in the daemon (tar-split-packer.ts).
   */
  readonly tarSplit: boolean;
  /**
   * Where a layer's tar is applied. `in-process`: as containerd does (diff/apply, in the daemon).
   * `child-per-layer`: as dockerd 20.10 does, whose overlay2 ApplyDiff re-executes dockerd as `docker-untar`
   * for every layer and pipes it the uncompressed tar (pkg/chrootarchive invokeUnpack; strace: one such
   * execve per layer), the daemon keeping the decompression, diffID digest and tar-split
   * (dockerd-register-layer.ts, untar-in-child.ts). The docker emulation does not use it by default: a Node
   * child per layer costs about twice what dockerd's Go child does (start-up, and the applier running cold
   * in every child), so on MediaWiki (18 layers) it made the emulation 1.4-1.7x dockerd's time and 1.6x its
   * CPU per GiB, where in-process it is 0.7-0.85x and below its CPU (bench/runtime-fidelity.ts, which
   * measures both).
   */
  readonly untar: 'in-process' | 'child-per-layer';
  /**
   * Seconds an in-process untar waits before it starts, for the process that would untar the layer to come up.
   * dockerd re-executes itself as `docker-untar` for every layer it applies (see `untar`), and that start is
   * dockerd's own: the Go runtime and the daemon's package initialisation, before the first byte of the tar is
   * read. Measured on this 2-core machine: dockerd 20.10.24 run by hand as chrootarchive runs it (`exec -a
   * docker-untar dockerd DIR DIR`, options on fd 3) with an empty tar takes 0.120 s wall and 0.128 CPU-s (mean of
   * 8), and in bench/runtime-fidelity.ts dockerd applied each small MediaWiki layer about 0.1 s slower than the
   * in-process emulation did, whatever its size. The emulation waits it out rather than spends it: spending it
   * takes a process start that untars nothing, and a Node child that does untar costs 1.6x dockerd's CPU
   * (`child-per-layer`), where a virtual node is to spend at most its runtime's CPU (the fidelity bench). So a
   * virtual node's timeline keeps the re-exec, but not its contention for a busy node's CPU. 0 for containerd,
   * which applies layers in the daemon; not applied with `child-per-layer`, whose child's start is real.
   */
  readonly reexecSeconds: number;
  /**
   * Synced bolt write transactions per applied layer (snapshot-bolt-commits.ts): containerd's snapshot
   * Prepare and Commit in its meta.db and the overlay snapshotter's metadata.db, and the content label
   * update; strace: 12 fdatasync per layer, i.e. six transactions. docker: none (its layer store syncs files,
   * layerMetadata).
   */
  readonly boltTransactionsPerLayer: number;
  /**
   * Synced bolt write transactions per blob the pull fetches, and per pull besides (content ingest and commit
   * records, lease resources, the lease and the image record). strace of containerd 1.6.20 while ctr fetches
   * (before the first unpigz): 45 fdatasync for an image of 3 layers, 133 for one of 18, i.e. 5.9 per layer
   * blob and 27 per pull (its manifest and config blobs included): about 3 and 14 transactions, most of the
   * pull's before the first layer blob (the lease, the manifest and config), where the emulation makes them all.
   * The daemon's bolt files take one write transaction at a time, so a node's run one after another. docker: none.
   */
  readonly boltTransactionsPerBlob: number;
  readonly boltTransactionsPerPull: number;
  /**
   * A downloaded blob goes to the content store in writes of this many bytes, each awaited before more of the
   * blob is read (0: written as it arrives, the writes overlapping the receive). containerd as ctr drives it:
   * the client fetches, and content.Copy fills a 1 MiB buffer before each Write, one synchronous round trip to
   * the daemon's content service (full-buffer-copy.ts), a gRPC message over the daemon's unix socket: so each
   * buffer makes that hop, over an HTTP/2 stream on a socket of the node's own (content-write-hop.ts). dockerd
   * writes its temp file as the body arrives.
   * The daemon's content writer digests each write before it answers (content/local/writer.go Write: the file
   * write, then `w.digester.Hash().Write`) and checks the digest at Commit, while ctr's fetcher digests
   * nothing: so with buffered writes the store digests each buffer after writing it, on the node's own
   * thread, and the client does not hash. dockerd digests in its download goroutine as the body arrives
   * (distribution/pull_v2.go, the verifier), which the client's off-thread hash stands for (stream-hash.ts).
   */
  readonly blobWriteBytes: number;
  /**
   * With `all-fetched`, unpacking starts at the first tick of this period (counted from the pull's start)
   * after the last blob is fetched. ctr's Fetch (cmd/ctr/commands/content/fetch.go) returns only when its
   * progress display has drawn once more after the fetch ended (`<-progress`), and ShowProgress draws on a
   * 100 ms ticker: half a tick on average between the last blob and the first Apply. 0: at once.
   */
  readonly unpackTickSeconds: number;
  /**
   * Gzip layers of at least this many compressed bytes are decompressed by an unpigz child, smaller ones
   * in-process. Both runtimes pipe every gzip layer through unpigz when it is on PATH (containerd
   * archive/compression, moby pkg/archive), so decompression runs on another core behind a pipe; what differs
   * is what a process start costs beside it. dockerd starts two processes per layer (unpigz, and itself
   * re-executed as docker-untar, see `untar`): the docker emulation starts unpigz for every layer (0), its
   * Node spawn standing for both. containerd starts one, from Go (vfork: about a millisecond), where a Node
   * spawn costs about 10 ms of wall time and 6-30 ms of this process's CPU (it forks the whole harness); on a
   * small layer that start is most of the decompression, so in-process zlib tracks containerd better there, and
   * from 16 MiB (decompression about 0.3 s through unpigz, the spawn under a tenth of it) the pipe does. Measured
   * in bench/runtime-fidelity.ts: unpigz for every layer put virtual(containerd) 10% over containerd's CPU on
   * MediaWiki's 18 layers; in-process for every layer, 0.67-0.76x containerd's time on the large-files cold pull
   * (Debian's unpigz is slower than Node's zlib, and the pipe costs the reader).
   */
  readonly unpigzFromBytes: number;
  /**
   * Every file gets lchown and chmod whether or not it needs them: moby pkg/archive createTarFile and
   * containerd archive/tar.go createTarFile call both for every entry (strace: one fchownat and at least one
   * fchmodat per entry in each).
   */
  readonly ownerAndModeAlways: boolean;
  /**
   * Each entry's parent path is resolved a component at a time and its target stat'ed before it is created:
   * containerd archive/tar.go applyNaive (fs.RootPath, mkparent, os.Lstat), about 12 stats per entry in
   * strace and an eighth of containerd's CPU in perf on a MediaWiki pull. moby resolves the parent once per
   * entry inside its chroot instead (statParentAndTarget).
   */
  readonly statEachEntry: boolean;
  /**
   * moby's lookups per entry (pkg/archive/archive.go Unpack, in docker-untar's chroot; diff.go UnpackLayer
   * does the same for the naive diff driver): an Lstat of the parent (files, links) and of the path itself. strace of a MediaWiki backport: about 10,800 lstats
   * by the untar for 4,422 entries.
   */
  readonly statParentAndTarget: boolean;
  /**
   * Committing a layer's snapshot walks its upper directory to record its disk usage: containerd's overlay
   * snapshotter (snapshots/overlay/overlay.go Commit -> continuity fs.DiskUsage), an lstat per entry and a
   * readdir per directory after every layer it applies, before the next one starts (snapshot-usage-walk.ts).
   * docker does the same walk: moby's overlay2 ApplyDiff returns directory.Size of the layer's diff dir
   * (daemon/graphdriver/overlay2/overlay.go). strace of a MediaWiki backport: containerd 4,453 lstats and
   * 452 opens of directories after the layers' applies, dockerd 4,518 and 452.
   */
  readonly commitWalk: boolean;
  /**
   * Each file's mode is set twice, the second time after an lstat: containerd archive/tar_unix.go openFile
   * (chmod after the open) and archive/tar_mostunix.go lchmod (Lstat, Chmod) after the lchown (strace: two
   * fchmodat and two lstat of every file's path). moby sets it once, from the header's type (one fchmodat
   * per entry in strace).
   */
  readonly modeTwice: boolean;
  /**
   * Directory entries get owner and mode as files do, and their mtime once the whole layer is applied, each
   * looked up again from the root first: containerd archive/tar.go createTarFile (TypeDir: Lstat, mkdir +
   * chmod, Lchown, lchmod, chtimes) and applyNaive's closing loop (fs.RootPath, chtimes). strace of a MediaWiki
   * backport: containerd chowns 4,438 paths for 3,986 files, the emulation without it 3,986. moby (`moby`):
   * pkg/archive createTarFile gives a directory Lchown, one lchmod and Chtimes, and Unpack (archive.go;
   * UnpackLayer in diff.go alike) sets every directory's times again once the layer is applied, by its joined
   * path (no lookup from the root).
   * strace of a MediaWiki cold pull: dockerd makes about 500 more chowns and chmods and 980 more utimensat
   * than there are files, for 490 directories.
   */
  readonly dirAttributes: DirAttributes;
}

/**
 * Neither runtime fsyncs the files it unpacks (containerd 1.6 archive.Apply; docker's overlay2 ApplyDiff).
 * Both check each unpacked layer against its diff_id (diff-id-check.ts), so every emulation does.
 */
export const RUNTIME_EMULATIONS: Record<ContainerRuntime, RuntimeEmulation> = {
  containerd: { keepsBlobs: true, syncsBlob: true, unpackStarts: 'all-fetched', layerMetadata: false, tarSplit: false, untar: 'in-process', reexecSeconds: 0, boltTransactionsPerLayer: 6, boltTransactionsPerBlob: 3, boltTransactionsPerPull: 14, blobWriteBytes: MiB, unpackTickSeconds: 0.1, unpigzFromBytes: 16 * MiB, ownerAndModeAlways: true, statEachEntry: true, statParentAndTarget: false, commitWalk: true, modeTwice: true, dirAttributes: 'containerd' },
  docker: { keepsBlobs: false, syncsBlob: false, unpackStarts: 'own-download', layerMetadata: true, tarSplit: true, untar: 'in-process', reexecSeconds: 0.12, boltTransactionsPerLayer: 0, boltTransactionsPerBlob: 0, boltTransactionsPerPull: 0, blobWriteBytes: 0, unpackTickSeconds: 0, unpigzFromBytes: 0, ownerAndModeAlways: true, statEachEntry: false, statParentAndTarget: true, commitWalk: true, modeTwice: false, dirAttributes: 'moby' },
};
