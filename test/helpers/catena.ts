/**
 * Start a Catena node in this process on a free loopback port, for tests. Real sockets,
 * real server; closed by the test's teardown.
 */
import type { Test } from 'tap';
import { CatenaServer, type ServerOptions } from '../../src/server/server';

export interface CatenaHandle {
  server: CatenaServer;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startCatena(t: Test | null, opts: Partial<ServerOptions> = {}): Promise<CatenaHandle> {
  const server = new CatenaServer({ port: 0, bind: '127.0.0.1', log: false, ...opts });
  await server.listen();
  const handle: CatenaHandle = {
    server,
    port: server.port,
    url: `redis://127.0.0.1:${server.port}`,
    close: () => server.close(),
  };
  if (t) t.teardown(() => server.close());
  return handle;
}
