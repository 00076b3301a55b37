/** Domain events emitted by SearchService. */
export const SearchEvents = {
  completed: 'search.completed',
} as const;

/** A search answered (REST or MCP): upstream's search_completed, told to the searcher's own event streams only. */
export interface SearchCompletedEvent {
  query: string;
  searchType: string;
  resultsCount: number;
  processingTimeMs: number;
  /** The label of the key that searched (whose streams may be told). */
  by: string;
}
