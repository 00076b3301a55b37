import { Injectable, type PipeTransform } from '@nestjs/common';
import { CONTENT_HASH_PATTERN } from './content-hash.js';
import { InvalidInputError } from '../common/domain-errors.js';

/** Validates a content_hash path parameter (64 hex digits), accepting upper case. */
@Injectable()
export class ContentHashPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const hash = value.toLowerCase();
    if (!CONTENT_HASH_PATTERN.test(hash)) {
      throw InvalidInputError.field('content_hash', 'content_hash must be 64 hexadecimal characters (SHA-256)');
    }
    return hash;
  }
}
