import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * CPUs this process may use: the CPUs it may run on (os.availableParallelism: affinity, cpusets),
 * lowered to a cgroup CPU quota (a container's `--cpus`, a Kubernetes CPU limit, systemd's
 * CPUQuota), which Node does not read. A quota of 1.5 CPUs counts as 2.
 */
export function usableCpus(root = '/sys/fs/cgroup', procSelfCgroup = '/proc/self/cgroup'): number {
  const quota = cgroupCpuQuota(root, procSelfCgroup);
  const cpus = availableParallelism();
  return Math.max(1, quota === null ? cpus : Math.min(cpus, Math.ceil(quota)));
}

/** The tightest CPU quota on this process's cgroup and its ancestors (cgroup v2, else v1), or null. */
export function cgroupCpuQuota(root: string, procSelfCgroup: string): number | null {
  const groups = (readText(procSelfCgroup) ?? '').split('\n').map((line) => /^\d+:([^:]*):(.*)$/.exec(line.trim()));
  if (readText(join(root, 'cgroup.controllers')) !== null) {
    const path = groups.find((group) => group?.[1] === '')?.[2];
    return path === undefined ? null : tightest(root, path, (dir) => {
      const [max, period] = (readText(join(dir, 'cpu.max')) ?? 'max').trim().split(/\s+/);
      return max === 'max' ? null : Number(max) / Number(period ?? 100_000);
    });
  }
  const cpu = groups.find((group) => group?.[1]?.split(',').includes('cpu'));
  if (!cpu) return null;
  // v1 mounts the cpu controller as "cpu,cpuacct" (with a "cpu" link) or as "cpu" alone.
  for (const mount of [cpu[1]!, 'cpu']) {
    if (readText(join(root, mount, 'cpu.cfs_period_us')) === null) continue;
    return tightest(join(root, mount), cpu[2]!, (dir) => Number(readText(join(dir, 'cpu.cfs_quota_us'))) / Number(readText(join(dir, 'cpu.cfs_period_us'))));
  }
  return null;
}

/** The lowest positive quota from `path` up to the mount root (inside a container, its own group). */
function tightest(mount: string, path: string, quotaOf: (dir: string) => number | null): number | null {
  let lowest: number | null = null;
  for (let dir = join(mount, path); ; dir = dirname(dir)) {
    const quota = quotaOf(dir);
    if (quota !== null && Number.isFinite(quota) && quota > 0) lowest = lowest === null ? quota : Math.min(lowest, quota);
    if (dir === mount || !dir.startsWith(mount)) return lowest;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
