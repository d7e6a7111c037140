/** Where the cgroup v1 blkio controller is mounted (v2 io.max is not available on the target machines). */
export const BLKIO_ROOT = '/sys/fs/cgroup/blkio';
