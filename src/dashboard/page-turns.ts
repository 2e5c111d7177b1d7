import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './security-headers';
import { errorPage } from './views/layout';

/**
 * The dashboard's pages, a few at a time. A crowd (month end, a meeting: forty people opening one
 * contract's page at once) otherwise lands all at once on the event loop and the database that
 * the gateway's calls share: each page is a session check, a share of the figures' reads and a
 * render, and forty of them queued ahead of a gateway call are its latency. Taking turns, a
 * gateway call waits behind at most PAGES_AT_ONCE pages' work, while the pages still share their
 * reads (DashboardService.contractPage) and are served in arrival order. Eight, measured
 * (docs/benchmarks.md): four kept the gateway's p99 lowest but put the pages' p95 well past
 * 500 ms (588 ms); eight keeps it near that (398-513 ms), and unlimited, the gateway's p99 was
 * 2-3 times eight's. A turn ends when the page has been rendered and handed to the socket (or
 * its client left): sending it is the network's time, not the service's. A waiting page starts
 * one turn of the event loop later (setImmediate), one per turn, so the gateway's I/O is served
 * between any two starts: once the figures are kept (DashboardService), a page is a fraction of a
 * millisecond of rendering that runs to its end without a pause, and when each finished page
 * started the next one itself, a crowd's queue ran back to back as one stall of the event loop
 * (15-40 ms, timed in bench:scale's crowd; docs/benchmarks.md). The pages running at once that
 * wait on one shared read still resume together: at most PAGES_AT_ONCE of them. The queue is
 * bounded: past MAX_WAITING waiting for a free turn, a page is answered 503 at once, before
 * anything is read. Downloads (CSV) and the stylesheet take no turn: a long export must not hold
 * up a person's page.
 */
export const PAGES_AT_ONCE = 8;
export const MAX_WAITING = 500;

/** Before `app.init()`, which registers the routes: the hooks go on the pages' routes only, so no other request pays for them. */
export function installDashboardPageTurns(fastify: FastifyInstance): void {
  let running = 0;
  let dispatching = false;
  const waiting: (() => void)[] = [];
  const turnEnds = new WeakMap<FastifyRequest, () => void>();
  // One waiting page a turn of the event loop, while fewer than PAGES_AT_ONCE run.
  const dispatch = (): void => {
    dispatching = false;
    if (running >= PAGES_AT_ONCE) return;
    const start = waiting.shift();
    if (!start) return;
    running++;
    start();
    pump();
  };
  const pump = (): void => {
    if (dispatching || !waiting.length || running >= PAGES_AT_ONCE) return;
    dispatching = true;
    setImmediate(dispatch);
  };
  const takeTurn = (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const start = (): void => {
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        running--;
        pump();
      };
      turnEnds.set(req, end);
      reply.raw.once('close', end);
      done();
    };
    // Those about to start on a free turn (running never exceeds PAGES_AT_ONCE) are not counted against the bound.
    if (waiting.length >= MAX_WAITING + PAGES_AT_ONCE - running) {
      securityHeaders(reply);
      void reply
        .code(503)
        .header('Retry-After', '2')
        .type('text/html; charset=utf-8')
        .send(errorPage(503, 'Many people are opening the dashboard right now. Reload the page in a moment.', null));
      return;
    }
    waiting.push(start);
    pump();
    // A client that leaves while it waits gives up its place.
    reply.raw.once('close', () => {
      const i = waiting.indexOf(start);
      if (i >= 0) waiting.splice(i, 1);
    });
  };
  const endTurn = (
    req: FastifyRequest,
    _reply: FastifyReply,
    payload: unknown,
    done: (err: null, p: unknown) => void,
  ) => {
    turnEnds.get(req)?.();
    done(null, payload);
  };
  fastify.addHook('onRoute', (route) => {
    if (!isPage(route.method, route.url)) return;
    const listOf = <T>(h: T | T[] | undefined): T[] => (h ? (Array.isArray(h) ? h : [h]) : []);
    route.onRequest = [takeTurn, ...listOf(route.onRequest)] as typeof route.onRequest;
    route.onSend = [...listOf(route.onSend), endTurn] as typeof route.onSend;
  });
}

/** GET (and HEAD) pages under /dashboard; downloads and the stylesheet are not pages. */
function isPage(method: string | string[], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  return (
    methods.some((m) => m === 'GET' || m === 'HEAD') &&
    (url === '/dashboard' || url.startsWith('/dashboard/')) &&
    !url.endsWith('.csv') &&
    !url.startsWith('/dashboard/assets/')
  );
}
