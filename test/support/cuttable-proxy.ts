import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between an app and Postgres that a test can cut and restore: the honest
 * version of "Postgres went away" without stopping the shared server. While cut, every open
 * connection is dropped and new ones are closed on arrival.
 */
export class CuttableProxy {
  private server?: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private cut = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A started proxy in front of the server `target` names (`postgres://…`, `redis://…`), and `target` pointed at it. */
  static async inFrontOf(target: string, defaultPort: number): Promise<{ proxy: CuttableProxy; url: string }> {
    const original = new URL(target);
    const proxy = new CuttableProxy(original.hostname, Number(original.port || defaultPort));
    await proxy.start();
    const url = new URL(original.href);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return { proxy, url: url.href };
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.cut) return void client.destroy();
      const upstream = connect(this.targetPort, this.targetHost);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const close = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  sever(): void {
    this.cut = true;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.cut = false;
  }

  async stop(): Promise<void> {
    this.sever();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
