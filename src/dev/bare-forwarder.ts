/**
 * The baseline of the gateway benchmark (test/bench/gateway.bench.ts): a minimal node:http server
 * that forwards each request to an upstream on kept-alive connections and passes the status,
 * body and x-per-minute-* headers back. No API key, no validation, no signing (the client's
 * Authorization header goes through untouched), no ledger: whatever the gateway costs beyond
 * this is the price of handlemeter's own work.
 *
 *   UPSTREAM_URL=http://127.0.0.1:PORT [CLIENT=undici|axios] [PORT=0] [HOST=127.0.0.1] node dist/src/dev/bare-forwarder.js
 *
 * CLIENT picks the HTTP client to the upstream: undici (a Pool per origin, as the gateway's
 * XClient) or axios (on a keep-alive agent, as the gateway had before), so the bench measures the
 * two side by side with nothing else different. Like the simulator's CLI, the one stdout line
 * `{"url":"http://127.0.0.1:PORT"}` is the readiness signal a parent process waits for.
 */
import axios from 'axios';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const PASSED_BACK = ['content-type', 'x-per-minute-limit', 'x-per-minute-remaining'];

export type ForwarderClient = 'undici' | 'axios';

export interface BareForwarder {
  url: string;
  stop(): Promise<void>;
}

type Upstream = (
  req: IncomingMessage,
  body: Buffer,
) => Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>;

/** A header as undici or axios give it (a string, a number or a list of strings). */
const headerText = (v: unknown): string =>
  Array.isArray(v) ? v.join(', ') : typeof v === 'number' ? String(v) : (v as string);

function undiciUpstream(upstreamUrl: string): Upstream {
  const pool = new Pool(new URL(upstreamUrl).origin, { connections: 256, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return async (req, body) => {
    const headers: Record<string, string> = {};
    if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const res = await pool.request({ method: 'POST', path: req.url!, headers, body });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  };
}

function axiosUpstream(upstreamUrl: string): Upstream {
  const upstream = axios.create({
    baseURL: upstreamUrl.replace(/\/+$/, ''),
    timeout: 30_000,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 512 }),
    validateStatus: () => true,
    responseType: 'arraybuffer',
    maxRedirects: 0,
  });
  return async (req, body) => {
    const headers: Record<string, string> = {};
    if (req.headers['content-type']) headers['Content-Type'] = req.headers['content-type'];
    if (req.headers.authorization) headers.Authorization = req.headers.authorization;
    const answer = await upstream.request({ method: req.method, url: req.url, data: body, headers });
    return { status: answer.status, headers: answer.headers, body: Buffer.from(answer.data as ArrayBuffer) };
  };
}

export async function startBareForwarder(
  upstreamUrl: string,
  port = 0,
  host = '127.0.0.1',
  client: ForwarderClient = 'undici',
): Promise<BareForwarder> {
  const upstream = client === 'axios' ? axiosUpstream(upstreamUrl) : undiciUpstream(upstreamUrl);

  const forward = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    try {
      const answer = await upstream(req, body);
      const back: Record<string, string | number> = { 'content-length': answer.body.length };
      for (const h of PASSED_BACK) if (answer.headers[h] !== undefined) back[h] = headerText(answer.headers[h]);
      res.writeHead(answer.status, back);
      res.end(answer.body);
    } catch (e) {
      const out = Buffer.from(JSON.stringify({ error: 'upstream failed', message: (e as Error).message }));
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': out.length });
      res.end(out);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => void forward(req, res, Buffer.concat(chunks)));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}`,
    stop: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}

async function main(): Promise<void> {
  const upstreamUrl = process.env.UPSTREAM_URL;
  if (!upstreamUrl) throw new Error('set UPSTREAM_URL to the server to forward to');
  const client = process.env.CLIENT ?? 'undici';
  if (client !== 'undici' && client !== 'axios') throw new Error('CLIENT: undici or axios');
  const fwd = await startBareForwarder(
    upstreamUrl,
    Number(process.env.PORT ?? 0),
    process.env.HOST ?? '127.0.0.1',
    client,
  );
  const shutdown = (): void => {
    fwd.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  process.stdout.write(`${JSON.stringify({ url: fwd.url })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bare-forwarder: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
