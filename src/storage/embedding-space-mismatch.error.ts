/** Starting with a different model than the database was built with would mix vector spaces. */
export class EmbeddingSpaceMismatchError extends Error {}
