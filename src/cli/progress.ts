/**
 * Progress of a long operation on stderr. On a terminal one line is redrawn in place (at most 10
 * times a second); elsewhere (logs, CI) a line at most every 5 s, and always the last one.
 */
export function progressReporter(label: string, unit: string): (done: number, total: number) => void {
  const tty = process.stderr.isTTY === true;
  const interval = tty ? 100 : 5000;
  let last = 0;
  return (done, total) => {
    const finished = done >= total;
    const now = Date.now();
    if (!finished && now - last < interval) return;
    last = now;
    const percent = total === 0 ? 100 : Math.floor((100 * done) / total);
    const line = `${label} ${done}/${total} ${unit} (${percent}%)`;
    process.stderr.write(tty ? `\r${line}${finished ? '\n' : ''}` : `${line}\n`);
  };
}
