import { v7 } from 'uuid';

/**
 * A new call's ID: a UUID whose first 48 bits are the milliseconds when it was made (version 7,
 * RFC 9562; the uuid package keeps them increasing within the process). The call log's primary
 * key (id, at) therefore takes new calls on the few pages where the newest IDs sort (the index's
 * right-hand end, in a month holding only such IDs), which stay in memory, instead of on random
 * pages of an index of tens of millions of calls: with random (version 4) IDs most inserts at
 * bench:scale's size read a page that was not in shared buffers, evicted another, and logged a
 * full-page image after each checkpoint (docs/benchmarks.md, "The call log's IDs").
 */
export function newCallId(): string {
  return v7();
}
