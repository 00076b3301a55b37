import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import { InvalidInputError, RequestRefusedError } from '../common/domain-errors.js';
import { normalizeTags } from '../memories/tags.js';
import type { UploadedFile } from './document-uploads.service.js';

/** Files one batch upload may carry. */
export const MAX_UPLOAD_FILES = 10;
/** The form fields an upload reads, and how long each may be. */
const FIELDS = ['tags', 'chunk_size', 'chunk_overlap', 'memory_type', 'space', 'store'] as const;
const MAX_FIELD_BYTES = 4_096;

type Field = (typeof FIELDS)[number];

/** @fastify/multipart's limits for the upload routes (per file: the largest document). */
export const uploadLimits = (maxFileBytes: number) => ({
  fileSize: maxFileBytes,
  files: MAX_UPLOAD_FILES,
  fields: FIELDS.length,
  fieldSize: MAX_FIELD_BYTES,
  parts: MAX_UPLOAD_FILES + FIELDS.length,
});

export interface UploadForm {
  files: UploadedFile[];
  fields: Partial<Record<Field, string>>;
}

/**
 * Reads an upload's multipart body: files under `fileField` (file or files, as upstream names
 * them) and upstream's form fields; other parts are refused rather than ignored.
 */
export async function readUploadForm(request: FastifyRequest, fileField: 'file' | 'files'): Promise<UploadForm> {
  if (!request.isMultipart()) throw new RequestRefusedError(415, 'Send the document as multipart/form-data');
  const form: UploadForm = { files: [], fields: {} };
  try {
    await readParts(request, fileField, form);
  } catch (error) {
    // Limits (413) and refusals (400) say so themselves; anything else is a body that is not a valid form.
    if (error instanceof InvalidInputError || typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
    throw InvalidInputError.field('body', `not a readable multipart form (${String((error as Error).message).slice(0, 100)})`);
  }
  return form;
}

async function readParts(request: FastifyRequest, fileField: 'file' | 'files', form: UploadForm): Promise<void> {
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== fileField) {
        part.file.resume();
        throw InvalidInputError.field(part.fieldname.slice(0, 40), `send the document${fileField === 'files' ? 's' : ''} as "${fileField}"`);
      }
      form.files.push({ filename: part.filename.slice(0, 200), data: await part.toBuffer() });
    } else if ((FIELDS as readonly string[]).includes(part.fieldname)) {
      form.fields[part.fieldname as Field] = String(part.value);
    } else {
      throw InvalidInputError.field(part.fieldname.slice(0, 40), `not a field of an upload (${FIELDS.join(', ')})`);
    }
  }
}

/** A whole number from a form field, within bounds (null when not given). */
export function formInteger(fields: UploadForm['fields'], name: 'chunk_size' | 'chunk_overlap', min: number, max: number): number | null {
  const text = fields[name]?.trim();
  if (text === undefined || text === '') return null;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw InvalidInputError.field(name, `must be a whole number from ${min} to ${max}`);
  return value;
}

/** upstream's tags field: one string, comma-separated. */
export const formTags = (fields: UploadForm['fields']): string[] => normalizeTags((fields.tags ?? '').split(','));
