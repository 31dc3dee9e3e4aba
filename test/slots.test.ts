// Key → slot must equal Redis Cluster's (CRC16 XMODEM, hash tags). Known vectors are from
// the Redis Cluster specification; the hash-tag rules are checked case by case.
import t from 'tap';
import { crc16, keySlot } from '../protocol/config/slots';

t.test('CRC16 XMODEM check value', async (t) => {
  t.equal(crc16('123456789'), 0x31c3, 'the spec check value');
});

t.test('hash tags as Redis Cluster', async (t) => {
  t.equal(keySlot('foo'), 12182);
  t.equal(keySlot('{user1000}.following'), keySlot('user1000'));
  t.equal(keySlot('{user1000}.followers'), keySlot('{user1000}.following'));
  t.equal(keySlot('foo{}{bar}'), crc16('foo{}{bar}') & 16383, 'empty first tag: whole key is hashed');
  t.equal(keySlot('foo{{bar}}zap'), crc16('{bar') & 16383, 'tag is up to the first }');
  t.equal(keySlot('foo{bar}{zap}'), keySlot('bar'), 'only the first tag counts');
});
