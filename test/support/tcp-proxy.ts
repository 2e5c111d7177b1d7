import * as net from 'node:net';

/** A TCP proxy a test can cut, stall or make refuse connections: in front of PostgreSQL (the database unreachable) or of X. */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private up = true;
  private stalled = false;
  private loseReply = false;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer((client) => {
      if (!proxy.up) return client.destroy();
      proxy.track(client);
      // Stalled: the connection opens and then nothing ever comes back, as across a network partition.
      if (proxy.stalled) return void client.pause();
      const upstream = net.connect(targetPort, targetHost);
      proxy.track(upstream);
      const pair = { client, upstream };
      proxy.pairs.add(pair);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        // The server did the work and answered; the answer never arrives and the connection breaks.
        if (proxy.loseReply) {
          proxy.loseReply = false;
          client.destroy();
          upstream.destroy();
          return;
        }
        client.write(chunk);
      });
      client.on('close', () => (upstream.destroy(), proxy.pairs.delete(pair)));
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /**
   * The next answer from the server, on any connection, is lost with its connection: the
   * request was carried out, and the client can only tell that the connection broke.
   */
  loseNextReply(): void {
    this.loseReply = true;
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

  /**
   * A black hole: open connections stop carrying bytes either way and new ones are accepted and
   * never answered. No reset, no refusal: only the other side's own timeouts end a wait.
   */
  stall(): void {
    this.stalled = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Takes connections again (listening again on the same port after refuse()); connections caught in a stall are dropped, as a long partition would. */
  restore(): Promise<void> {
    if (this.stalled) for (const s of this.sockets) s.destroy();
    this.stalled = false;
    this.up = true;
    if (this.server.listening) return Promise.resolve();
    return new Promise((r) => this.server.listen(this.port, '127.0.0.1', () => r()));
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
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
