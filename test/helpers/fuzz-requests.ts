/**
 * A seeded generator of malformed client requests for fuzz tests: valid multibulk and inline
 * requests (PING, ECHO, GET of keys no test sets, unknown commands), then mutated — bytes
 * flipped, inserted, deleted, headers given bad numbers, CR/LF/NUL/quotes out of place,
 * truncation — and split into random pieces. Only read-only commands, so replaying a case
 * on Catena and on Redis leaves both keyspaces alike. Reproduces from its Rng seed.
 */
import type { Rng } from '../../src/engine/rng';
import { multibulk, pieces } from './wire';

/** Command names the requests start from (HELLO, CLIENT... are left out: their replies differ by nature). */
const VOCAB = ['PING', 'ECHO', 'GET', 'ping', 'echo', 'get', 'NOSUCH'];

export class FuzzGen {
  constructor(readonly rng: Rng) {}
  pick<T>(xs: readonly T[]): T {
    return xs[this.rng.int(xs.length)] as T;
  }
  arg(caseNo: number): string {
    switch (this.rng.int(6)) {
      case 0:
        return '';
      case 1:
        return `fz:${caseNo}:${this.rng.int(4)}`;
      case 2: {
        let s = '';
        const n = 1 + this.rng.int(10);
        for (let i = 0; i < n; i++) s += String.fromCharCode(this.rng.int(256));
        return s;
      }
      case 3:
        return this.pick(['"', "'", '\\', '\r\n', '\n', '\0', '*1', '$3', ' ', '\\x41', '"a b"']);
      default:
        return this.pick(['a', 'hi', '12', '-1', 'x y']);
    }
  }
  request(caseNo: number): string {
    const name = this.pick(VOCAB);
    const args = [name];
    const n = this.rng.int(4);
    for (let i = 0; i < n; i++) args.push(this.arg(caseNo));
    switch (this.rng.int(8)) {
      case 0:
        return `${args.map((a) => (this.rng.int(3) === 0 ? `"${a}"` : a)).join(this.pick([' ', '  ', '\t']))}${this.pick(['\r\n', '\n', '\r\n\r\n'])}`;
      case 1:
        return this.pick(['*0\r\n', '*-1\r\n', '\r\n', '\n', '*-7\r\n']);
      default:
        return multibulk(...args);
    }
  }
  mutate(s: string): string {
    if (s.length === 0) return s;
    const i = this.rng.int(s.length);
    switch (this.rng.int(9)) {
      case 0: // flip a byte
        return s.slice(0, i) + String.fromCharCode(this.rng.int(256)) + s.slice(i + 1);
      case 1: // insert a random byte
        return s.slice(0, i) + String.fromCharCode(this.rng.int(256)) + s.slice(i);
      case 2: // delete a byte
        return s.slice(0, i) + s.slice(i + 1);
      case 3: // truncate
        return s.slice(0, i);
      case 4: // replace a number in a header
        return s.replace(/([*$])(\d+)/, (_m, p: string) => p + this.pick(['-1', '-0', '0', '01', '2147483648', '99999999999999999999', 'x', '', ' 1', '3\r', '1\0']));
      case 5: // a structural byte out of place
        return s.slice(0, i) + this.pick(['*', '$', '\r', '\n', '\r\n', '"', "'", '\0', ':']) + s.slice(i);
      case 6: // duplicate a slice
        return s.slice(0, i) + s.slice(i, i + 1 + this.rng.int(8)) + s.slice(i);
      case 7: // CR without LF, LF without CR
        return s.replace(this.rng.int(2) === 0 ? '\r\n' : '\n', this.pick(['\r', '\n', '\rX', '\r\r\n']));
      default: // random garbage
        return s.slice(0, i) + Array.from({ length: 1 + this.rng.int(6) }, () => String.fromCharCode(this.rng.int(256))).join('') + s.slice(i);
    }
  }
  fuzzCase(caseNo: number): string {
    let out = '';
    const n = 1 + this.rng.int(4);
    for (let i = 0; i < n; i++) {
      let r = this.request(caseNo);
      const m = this.rng.int(3);
      for (let j = 0; j < m; j++) r = this.mutate(r);
      out += r;
    }
    if (this.rng.int(3) === 0) out += multibulk('PING');
    return out;
  }
  split(data: Buffer): Buffer[] {
    switch (this.rng.int(3)) {
      case 0:
        return [data];
      case 1:
        return pieces(data, 1);
      default: {
        const out: Buffer[] = [];
        let i = 0;
        while (i < data.length) {
          const n = 1 + this.rng.int(8);
          out.push(data.subarray(i, i + n));
          i += n;
        }
        return out;
      }
    }
  }
}
