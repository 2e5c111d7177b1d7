import { v7 } from 'uuid';

/**
 * A new call's ID: a UUID whose first 48 bits are the milliseconds when it was made (version 7,
 * RFC 9562; the uuid package keeps them increasing within the process). The call log's primary
 * key (id, at) therefore takes each new call at the right-hand end of its index, on pages that
 * are in memory, instead of on a random page of an index of tens of millions of calls: with
 * random (version 4) IDs nearly every insert at bench:scale's size read a page that was not in
 * shared buffers, evicted another and logged a full-page image after each checkpoint
 * (docs/benchmarks.md, "The call log's IDs").
 */
export function newCallId(): string {
  return v7();
}
