/**
 * Splits text into passages of about `size` characters that overlap by about `overlap`, cutting
 * at the last paragraph break, line break, sentence end or space inside each window (in that
 * order of preference), so a passage rarely stops mid-word. Blank passages are dropped.
 */
export function chunkText(text: string, size: number, overlap: number): string[] {
  const clean = text.replace(/\r\n?/g, '\n').trim();
  if (clean === '') return [];
  const chunks: string[] = [];
  for (let start = 0; start < clean.length;) {
    let end = Math.min(clean.length, start + size);
    if (end < clean.length) {
      const window = clean.slice(start, end);
      const floor = Math.floor(size / 2);
      for (const boundary of ['\n\n', '\n', '. ', ' ']) {
        const at = window.lastIndexOf(boundary);
        if (at >= floor) {
          end = start + at + boundary.length;
          break;
        }
      }
    }
    const chunk = clean.slice(start, end).trim();
    if (chunk !== '') chunks.push(chunk);
    if (end >= clean.length) break;
    start = Math.max(start + 1, end - overlap);
  }
  return chunks;
}
