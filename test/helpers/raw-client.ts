/**
 * A raw RESP client for byte-level tests: sends commands (or any bytes) and returns each
 * reply's exact bytes and its decoded, typed form. Knows nothing of Catena.
 */
import * as net from 'node:net';
import { decodeOne, NeedMore, type Typed } from '../../src/resp/decoder';

export function encodeCommand(args: string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

export interface RawReply {
  raw: string; // latin1
  value: Typed;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port, host);
      sock.once('connect', () => resolve(new RawClient(sock)));
      sock.once('error', reject);
    });
  }

  writeRaw(data: string | Buffer): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  send(...cmds: string[][]): void {
    this.writeRaw(Buffer.concat(cmds.map(encodeCommand)));
  }

  /** Next reply; rejects after timeoutMs or if the connection closes first. */
  async read(timeoutMs = 5000): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length > 0) {
        try {
          const r = decodeOne(this.buf);
          const raw = this.buf.toString('latin1', 0, r.end);
          this.buf = this.buf.subarray(r.end);
          return { raw, value: r.value };
        } catch (e) {
          if (!(e instanceof NeedMore)) throw e;
        }
      }
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a reply');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Send one command and return its raw reply bytes (latin1). */
  async call(...args: string[]): Promise<string> {
    this.send(args);
    return (await this.read()).raw;
  }

  /** Wait until the server closes the connection (true) or timeout (false). */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  /** Bytes received and not yet read as replies. */
  pending(): string {
    return this.buf.toString('latin1');
  }

  close(): void {
    this.sock.destroy();
  }
}
