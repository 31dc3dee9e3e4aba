/**
 * The ceiling the performance issue measures Catena against: a minimal Node.js RESP server
 * (redis-parser in, preallocated replies out, a Map as the store, one write per read) that
 * answers SET, GET and PING only. `node dist/bench/minimal-server.js <port>`; `npm run bench:ceiling`
 * runs redis-benchmark against it and a redis-server in the same run and prints the ratios.
 * Not a product: no arity checks, no other commands, no limits.
 */
import * as net from 'node:net';
import Parser from 'redis-parser';

const OK = Buffer.from('+OK\r\n');
const NIL = Buffer.from('$-1\r\n');
const ERR = Buffer.from('-ERR unknown command\r\n');
const PONG = Buffer.from('+PONG\r\n');

export function startMinimalServer(port: number, host = '127.0.0.1'): net.Server {
  const store = new Map<string, Buffer>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let out: Buffer[] = [];
    const parser = new Parser({
      returnBuffers: true,
      returnReply: (args: Buffer[]) => {
        const name = (args[0] as Buffer).toString('latin1').toLowerCase();
        if (name === 'set') {
          store.set((args[1] as Buffer).toString('latin1'), args[2] as Buffer);
          out.push(OK);
        } else if (name === 'get') {
          const v = store.get((args[1] as Buffer).toString('latin1'));
          if (v === undefined) out.push(NIL);
          else out.push(Buffer.from(`$${v.length}\r\n`, 'latin1'), v, Buffer.from('\r\n'));
        } else if (name === 'ping') out.push(PONG);
        else out.push(ERR);
      },
      returnError: () => socket.destroy(),
    });
    socket.on('data', (d: Buffer) => {
      parser.execute(d);
      if (out.length > 0) {
        socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
        out = [];
      }
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(port, host);
  return server;
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 7399);
  startMinimalServer(port);
  process.stdout.write(`minimal RESP server on 127.0.0.1:${port}\n`);
}
