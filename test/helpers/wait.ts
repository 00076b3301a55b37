/**
 * Polls `check` until it holds, for at most `timeoutMs` (generous: CI runs on a busy 2-core
 * machine); the short pause between polls is not a wait for time to pass, only its cadence.
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, { timeoutMs = 30_000, what = 'a condition' } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
