import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cgroupCpuQuota, usableCpus } from './cpus.js';

describe('usableCpus: the CPU quota of a container or service lowers the default thread counts', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A fake /sys/fs/cgroup and /proc/self/cgroup, written as real files. */
  function fixture(files: Record<string, string>, selfCgroup: string): [string, string] {
    const dir = mkdtempSync(join(tmpdir(), 'cgroup-'));
    dirs.push(dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, 'fs', path)), { recursive: true });
      writeFileSync(join(dir, 'fs', path), text);
    }
    writeFileSync(join(dir, 'self'), selfCgroup);
    return [join(dir, 'fs'), join(dir, 'self')];
  }

  it('cgroup v2: the tightest cpu.max of the group and its ancestors; "max" is no limit', () => {
    const v2 = fixture(
      {
        'cgroup.controllers': 'cpu io memory',
        'kubepods/cpu.max': '400000 100000',
        'kubepods/pod1/cpu.max': 'max 100000',
        'kubepods/pod1/app/cpu.max': '150000 100000',
      },
      '0::/kubepods/pod1/app\n',
    );
    assert.equal(cgroupCpuQuota(...v2), 1.5);
    assert.equal(usableCpus(...v2), Math.min(availableParallelism(), 2));
    const unlimited = fixture({ 'cgroup.controllers': 'cpu', 'cpu.max': 'max 100000', 'a/cpu.max': 'max 100000' }, '0::/a\n');
    assert.equal(cgroupCpuQuota(...unlimited), null);
    assert.equal(usableCpus(...unlimited), availableParallelism());
  });

  it('cgroup v1: cfs quota over period at the cpu controller, -1 is no limit', () => {
    const v1 = fixture(
      { 'cpu,cpuacct/cpu.cfs_quota_us': '-1', 'cpu,cpuacct/cpu.cfs_period_us': '100000', 'cpu,cpuacct/docker/x/cpu.cfs_quota_us': '50000', 'cpu,cpuacct/docker/x/cpu.cfs_period_us': '100000' },
      '4:memory:/docker/x\n3:cpu,cpuacct:/docker/x\n0::/\n',
    );
    assert.equal(cgroupCpuQuota(...v1), 0.5);
    assert.equal(usableCpus(...v1), 1);
    const none = fixture({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' }, '1:cpu:/\n');
    assert.equal(cgroupCpuQuota(...none), null);
  });

  it('no cgroup files at all: the CPUs the process may run on', () => {
    assert.equal(usableCpus('/nonexistent', '/nonexistent'), availableParallelism());
  });
});
