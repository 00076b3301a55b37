import { getPriority, setPriority } from 'node:os';

/**
 * How far below the event loop the service's compute threads (the model, index builds) run, in
 * nice steps: on a saturated machine the event loop (HTTP, health, SSE) gets the CPU first, the
 * compute threads the rest. With one request at a time there is a free core and nothing changes.
 */
const COMPUTE_THREAD_NICE_STEPS = 10;
const LOWEST_PRIORITY = 19;

/** The nice value a compute thread started by a thread at `parentNice` runs at. */
export function computeThreadNice(parentNice: number): number {
  return Math.min(LOWEST_PRIORITY, parentNice + COMPUTE_THREAD_NICE_STEPS);
}

/**
 * Lowers the calling thread's scheduling priority (it started at its creator's). Linux only:
 * there the nice value belongs to each thread, while elsewhere setPriority would lower the whole
 * process. Best effort (a sandbox may forbid it); returns whether it applied.
 */
export function lowerThisThreadPriority(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(0, computeThreadNice(getPriority(0)));
    return true;
  } catch {
    return false;
  }
}
