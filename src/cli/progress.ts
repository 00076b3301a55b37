/**
 * Progress of a long operation on stderr, with its rate and (when the total is known) the time
 * left. On a terminal one line is redrawn in place (at most 10 times a second); elsewhere (logs,
 * CI) a line at most every 5 s, and always the last one (call `finish`).
 */
export function progressReporter(label: string, unit: string): (done: number, total: number | null, finished?: boolean) => void {
  const tty = process.stderr.isTTY === true;
  const interval = tty ? 100 : 5000;
  const started = Date.now();
  let last = 0;
  return (done, total, finishedNow = false) => {
    const finished = finishedNow || (total !== null && done >= total);
    const now = Date.now();
    if (!finished && now - last < interval) return;
    last = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const parts = [`${label} ${done}${total === null ? '' : `/${total}`} ${unit}`];
    if (total !== null) parts.push(`${total === 0 ? 100 : Math.floor((100 * done) / total)}%`);
    if (seconds >= 1) parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)}/s`);
    if (!finished && total !== null && rate > 0) parts.push(`ETA ${duration((total - done) / rate)}`);
    if (finished) parts.push(`in ${duration(seconds)}`);
    const line = parts.join('  ');
    process.stderr.write(tty ? `\r\u001b[2K${line}${finished ? '\n' : ''}` : `${line}\n`);
  };
}

function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
