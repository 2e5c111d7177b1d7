import * as net from 'node:net';

/** A TCP proxy a test can cut or make refuse connections: in front of PostgreSQL (the database unreachable) or of X. */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private up = true;

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer((client) => {
      if (!proxy.up) return client.destroy();
      const upstream = net.connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /** Drops every open connection and refuses new ones. */
  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }

  /** cut(), and stops listening too: new connections are refused (ECONNREFUSED), as by a host with nothing on the port. */
  async refuse(): Promise<void> {
    this.cut();
    if (this.server.listening) await new Promise((r) => this.server.close(r));
  }

  /** Takes connections again (listening again on the same port after refuse()). */
  restore(): Promise<void> {
    this.up = true;
    if (this.server.listening) return Promise.resolve();
    return new Promise((r) => this.server.listen(this.port, '127.0.0.1', () => r()));
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
}
