import { parentPort, workerData } from 'node:worker_threads';
import { extractText, getDocumentProxy } from 'unpdf';

/** One PDF's text, page by page, read off the server's event loop (pdf.js parses on the thread that calls it). */
const { bytes, maxPages } = workerData as { bytes: Uint8Array; maxPages: number };
try {
  const pdf = await getDocumentProxy(bytes, { verbosity: 0 });
  if (pdf.numPages > maxPages) {
    parentPort!.postMessage({ ok: false, tooManyPages: pdf.numPages });
  } else {
    const { text } = await extractText(pdf, { mergePages: false });
    parentPort!.postMessage({ ok: true, pages: text });
  }
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
}
