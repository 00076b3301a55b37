import { setPriority } from 'node:os';

/**
 * The nice value of the service's compute threads (the model, index builds): on a saturated
 * machine the event loop (HTTP, health, SSE) gets the CPU first, the compute threads the rest.
 * With one request at a time there is a free core and nothing changes.
 */
export const COMPUTE_THREAD_NICE = 10;

/**
 * Lowers the calling thread's scheduling priority. Linux only: there the nice value belongs to
 * each thread, while elsewhere setPriority would lower the whole process. Best effort (a
 * container may forbid it); returns whether it applied.
 */
export function lowerThisThreadPriority(nice = COMPUTE_THREAD_NICE): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(0, nice);
    return true;
  } catch {
    return false;
  }
}
