import { XSimulator } from '../../src/dev/x-simulator';
import { SeededHandle, totalsBody } from './fixtures';

/**
 * Gateway traffic for fault tests. Each planned call is made unique by its handle and its number
 * of Tweet IDs, both of which X sees and the call log records (user_id, tweet_count), so a call
 * X received can be found in the ledger without trusting anything the service says about it.
 */
export interface PlannedCall {
  userId: string;
  tweets: number;
  /** `userId:tweets`: what X received and what the ledger recorded are matched on it. */
  key: string;
}

export interface CallAnswer {
  call: PlannedCall;
  /** 0: no answer at all (connection refused or reset, or our own client timeout). */
  status: number;
  body: unknown;
  error?: string;
  /** How long the answer took (for reports; never asserted on). */
  ms: number;
}

/** Deterministic: the same seed gives the same order, so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const callKey = (userId: string, tweets: number): string => `${userId}:${tweets}`;

/** `perHandle` calls for every handle, with Tweet counts from..from+perHandle-1 (at most 250, X's /totals limit), shuffled. */
export function planCalls(
  handles: SeededHandle[],
  perHandle: number,
  from: number,
  random: () => number,
): PlannedCall[] {
  if (from + perHandle - 1 > 250) throw new Error('a /totals call takes at most 250 Tweet IDs');
  const calls: PlannedCall[] = [];
  for (const h of handles)
    for (let n = from; n < from + perHandle; n++)
      calls.push({ userId: h.userId, tweets: n, key: callKey(h.userId, n) });
  for (let i = calls.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [calls[i], calls[j]] = [calls[j], calls[i]];
  }
  return calls;
}

export interface DriveOptions {
  url: string | (() => string);
  clientKey: string;
  calls: PlannedCall[];
  concurrency: number;
  /** Checked before each call: true ends the run (the calls not yet taken are left unsent). */
  stop?: () => boolean;
  /** A call with no answer by then is recorded as `error: 'client timeout'` (the service hung). */
  timeoutMs?: number;
  /** Sees each answer as it comes, so a test can act mid-run (cut the database, restore it). */
  onAnswer?: (a: CallAnswer) => void;
}

/** Sends the planned calls, `concurrency` at a time, and never throws: every call's fate is in the answer list. */
export async function drive(opts: DriveOptions): Promise<CallAnswer[]> {
  const queue = [...opts.calls];
  const answers: CallAnswer[] = [];
  const base = typeof opts.url === 'string' ? () => opts.url as string : opts.url;
  const worker = async () => {
    for (let call = queue.shift(); call && !opts.stop?.(); call = queue.shift()) {
      const answer = await send(base(), opts.clientKey, call, opts.timeoutMs ?? 30_000);
      answers.push(answer);
      opts.onAnswer?.(answer);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return answers;
}

async function send(url: string, clientKey: string, call: PlannedCall, timeoutMs: number): Promise<CallAnswer> {
  const started = Date.now();
  try {
    const res = await fetch(`${url}/insights/engagement/totals`, {
      method: 'POST',
      headers: { 'X-API-Key': clientKey, 'X-Handle': call.userId, 'Content-Type': 'application/json' },
      body: JSON.stringify(totalsBody(['impressions', 'favorites'], call.tweets)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* kept as text */
    }
    return { call, status: res.status, body, ms: Date.now() - started };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return {
      call,
      status: 0,
      body: null,
      error: err.name === 'TimeoutError' ? 'client timeout' : (err.cause?.code ?? err.message),
      ms: Date.now() - started,
    };
  }
}

/** The user-context calls X received for one app, by key (a key seen twice means a call was sent twice). */
export function receivedKeys(sim: XSimulator, consumerKey: string): string[] {
  return sim.received
    .filter((r) => r.auth === 'oauth1' && r.consumerKey === consumerKey && r.userId)
    .map((r) => callKey(r.userId!, ((r.body as { tweet_ids?: unknown[] })?.tweet_ids ?? []).length));
}

/** Resolves once `cond` holds; polls every 10 ms, fails after `timeoutMs` naming `what`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
