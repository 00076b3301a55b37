import { createRequire } from 'node:module';
import type * as Usearch from 'usearch';

/**
 * usearch, loaded through its CommonJS build: the ESM entry locates its native binary from a
 * stack trace, which recurses forever when the importing code is not a file on disk (node -e,
 * some bundlers and loaders); the CommonJS build uses its own directory.
 */
const usearch = createRequire(import.meta.url)('usearch') as typeof Usearch;

export const { Index, MetricKind, ScalarKind } = usearch;
export type Index = Usearch.Index;
