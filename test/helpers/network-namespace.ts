import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A network namespace of the test's own, with a multicast-capable loopback: the only place mDNS
 * packets may go. Returns null (and the reason) where namespaces cannot be created.
 */
export function createMulticastNamespace(): { name: string; remove: () => void } | { name: null; reason: string } {
  const name = `mcpmem-${randomBytes(4).toString('hex')}`;
  const run = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
  try {
    run('netns', 'add', name);
  } catch (error) {
    return { name: null, reason: `cannot create a network namespace (${(error as Error).message.split('\n')[0]})` };
  }
  try {
    run('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    run('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'multicast', 'on');
    run('netns', 'exec', name, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
  } catch (error) {
    run('netns', 'del', name);
    return { name: null, reason: `cannot set up multicast in the namespace (${(error as Error).message.split('\n')[0]})` };
  }
  return { name, remove: () => run('netns', 'del', name) };
}

/** A namespace whose loopback is down: no interface can carry multicast. */
export function createOfflineNamespace(): { name: string; remove: () => void } | { name: null; reason: string } {
  const name = `mcpmem-off-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  } catch (error) {
    return { name: null, reason: `cannot create a network namespace (${(error as Error).message.split('\n')[0]})` };
  }
  return { name, remove: () => void execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' }) };
}
