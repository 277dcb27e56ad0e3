/**
 * Every query that a caller's input shapes (lists with search and sort, conditions with regexes) carries
 * this as maxTimeMS: the server stops it there (code 50, answered 503) instead of holding a connection and,
 * for the embedded server, the event loop.
 */
export const QUERY_MAX_TIME_MS = 10_000;

/** The driver's options for such a query. */
export const BOUNDED = { maxTimeMS: QUERY_MAX_TIME_MS } as const;
