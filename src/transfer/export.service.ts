import { Inject, Injectable } from '@nestjs/common';
import { EMBEDDING_PROVIDER, type EmbeddingProvider } from '../embeddings/embedding-provider.js';
import { MEMORY_STORE, type MemoryStore } from '../storage/roles.js';
import { toRecord } from './memory-record.js';

const PAGE = 500;

/** Every memory as JSON Lines, in the order they were stored; stable while others write. */
@Injectable()
export class ExportService {
  constructor(
    @Inject(MEMORY_STORE) private readonly store: MemoryStore,
    @Inject(EMBEDDING_PROVIDER) private readonly embeddings: EmbeddingProvider,
  ) {}

  /** One line (with its newline) per memory (of `spaces`, when given); with vectors, each line names the model they belong to. */
  async *lines(withVectors: boolean, spaces?: readonly string[]): AsyncGenerator<string> {
    let after: number | null = 0;
    while (after !== null) {
      const page = await this.store.scan(after, PAGE, withVectors, spaces);
      let text = '';
      for (const { memory, embedding } of page.entries) {
        text += `${JSON.stringify(toRecord(memory, embedding === null ? null : { model: this.embeddings.modelId, embedding }))}\n`;
      }
      if (text !== '') yield text;
      after = page.next;
    }
  }
}
