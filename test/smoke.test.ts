// Smoke test of the request path: a real socket, pipelining, the unknown-command and arity
// errors against the real Redis texts.
import t from 'tap';
import { startCatena } from './helpers/catena';
import { RawClient } from './helpers/raw-client';

t.test('pipelined commands are answered in order', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  r.send(['SET', 'a', '1'], ['GET', 'a'], ['PING'], ['GET', 'missing']);
  t.equal((await r.read()).raw, '+OK\r\n');
  t.equal((await r.read()).raw, '$1\r\n1\r\n');
  t.equal((await r.read()).raw, '+PONG\r\n');
  t.equal((await r.read()).raw, '$-1\r\n');
});

t.test('unknown command and arity errors are Redis 7 texts', async (t) => {
  const c = await startCatena(t);
  const r = await RawClient.connect(c.port);
  t.teardown(() => r.close());
  t.equal(await r.call('foo', 'a', 'b'), "-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  t.equal(await r.call('GET'), "-ERR wrong number of arguments for 'get' command\r\n");
});
