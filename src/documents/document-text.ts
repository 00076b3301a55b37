import { Worker } from 'node:worker_threads';
import { InvalidInputError } from '../common/domain-errors.js';

/** The formats a document may have, by the extension of its name. */
export const DOCUMENT_FORMATS = ['txt', 'md', 'markdown', 'rst', 'json', 'pdf'] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** Pages of a PDF read at most; a longer one is refused. */
export const MAX_PDF_PAGES = 200;
/** How long reading one PDF may take. */
const PDF_TIMEOUT_MS = 60_000;

const WORKER = new URL('./pdf-text.worker.js', import.meta.url);

/** The format of a document by its name's extension; anything else is refused. */
export function formatOf(name: string): DocumentFormat {
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  if (!extension || !(DOCUMENT_FORMATS as readonly string[]).includes(extension)) {
    throw InvalidInputError.field('source_name', `give a name ending in .${DOCUMENT_FORMATS.join(', .')} (the format is read from it)`);
  }
  return extension as DocumentFormat;
}

/** A PDF's text page by page, read in a worker thread, within MAX_PDF_PAGES and PDF_TIMEOUT_MS. */
function pdfPages(bytes: Uint8Array): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { bytes, maxPages: MAX_PDF_PAGES } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(InvalidInputError.field('content_base64', `the PDF could not be read within ${PDF_TIMEOUT_MS / 1000} s`));
    }, PDF_TIMEOUT_MS);
    worker.once('message', (reply: { ok: true; pages: string[] } | { ok: false; tooManyPages?: number; message?: string }) => {
      clearTimeout(timer);
      void worker.terminate();
      if (reply.ok) resolve(reply.pages);
      else if (reply.tooManyPages !== undefined)
        reject(InvalidInputError.field('content_base64', `the PDF has ${reply.tooManyPages} pages; at most ${MAX_PDF_PAGES} are read`));
      else reject(InvalidInputError.field('content_base64', `not a readable PDF: ${(reply.message ?? 'unknown error').slice(0, 200)}`));
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(InvalidInputError.field('content_base64', `not a readable PDF: ${error.message.slice(0, 200)}`));
    });
  });
}

/** A document's text, as pages (one for a text format); binary formats come as bytes. */
export async function documentPages(format: DocumentFormat, content: string | Uint8Array): Promise<string[]> {
  if (format === 'pdf') {
    if (typeof content === 'string') throw InvalidInputError.field('content_base64', 'a PDF comes as content_base64');
    return pdfPages(content);
  }
  const text = typeof content === 'string' ? content : new TextDecoder('utf-8', { fatal: false }).decode(content);
  return [text];
}
