/**
 * Scripted multi-client sessions for byte-exact comparisons: the same script (commands from
 * named connections, extra reads of pushed messages, pauses) runs against Catena and against
 * a real Redis, and the two transcripts of raw reply bytes must be equal.
 */
import type { Test } from 'tap';
import { RawClient } from './raw-client';

export type Step =
  /** Send a command on a connection and read its one reply. */
  | { on: string; cmd: string[]; ignore?: boolean }
  /** Read one more reply or pushed message on a connection. */
  | { on: string; read: true }
  | { sleepMs: number };

/** `c('a', 'SET', 'k', 'v')` — shorthand for a command step. */
export const c = (on: string, ...cmd: string[]): Step => ({ on, cmd });
/** A command whose reply differs between servers by nature (HELLO's id and version): run, not compared. */
export const quiet = (on: string, ...cmd: string[]): Step => ({ on, cmd, ignore: true });
export const read = (on: string): Step => ({ on, read: true });
export const sleep = (ms: number): Step => ({ sleepMs: ms });

/** Run a script on one server; one transcript line per compared reply. */
export async function runScript(port: number, steps: Step[]): Promise<string[]> {
  const clients = new Map<string, RawClient>();
  const out: string[] = [];
  try {
    for (const st of steps) {
      if ('sleepMs' in st) {
        await new Promise((r) => setTimeout(r, st.sleepMs));
        continue;
      }
      let cl = clients.get(st.on);
      if (cl === undefined) {
        cl = await RawClient.connect(port);
        clients.set(st.on, cl);
      }
      if ('read' in st) {
        out.push(`${st.on} <read> → ${JSON.stringify((await cl.read()).raw)}`);
        continue;
      }
      cl.send(st.cmd);
      const raw = (await cl.read()).raw;
      if (!st.ignore) out.push(`${st.on} ${st.cmd.join(' ')} → ${JSON.stringify(raw)}`);
    }
  } finally {
    for (const cl of clients.values()) cl.close();
  }
  return out;
}

/** Run the script on both servers and require identical transcripts. */
export async function sameAsRedis(t: Test, catenaPort: number, redisPort: number, steps: Step[], msg: string): Promise<string[]> {
  const redis = await runScript(redisPort, steps);
  const catena = await runScript(catenaPort, steps);
  t.same(catena, redis, msg);
  return catena;
}

/**
 * The keyspace notifications one server sends for `script`: a pattern subscriber on
 * `pattern`, notify-keyspace-events set to `flags`, the commands run one by one, then every
 * message received until the subscriber has been quiet for 300 ms. Resets the flags after.
 */
export async function keyspaceEventsOf(port: number, script: string[][], flags: string, pattern: string): Promise<string[]> {
  const sub = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  try {
    const ok = await c.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
    if (ok !== '+OK\r\n') throw new Error(`CONFIG SET notify-keyspace-events ${flags}: ${ok}`);
    await c.call('FLUSHALL');
    sub.send(['PSUBSCRIBE', pattern]);
    await sub.read();
    for (const cmd of script) await c.call(...cmd);
    await c.call('PING');
    const out: string[] = [];
    for (;;) {
      const m = await sub.read(300).catch(() => null);
      if (m === null) break;
      out.push(m.raw);
    }
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    return out;
  } finally {
    sub.close();
    c.close();
  }
}
