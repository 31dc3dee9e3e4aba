/**
 * Key → slot, exactly as Redis Cluster: CRC16 (XMODEM) of the key, or of its `{hash tag}`
 * when the key has a non-empty one, modulo 16384. Pure: no Node APIs (protocol/ is
 * type-checked with no Node types).
 */

export const slotCount = 16384;

export type Slot = number & { readonly __brand: 'Slot' };

const table: number[] = (() => {
  const t: number[] = new Array<number>(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

/** CRC16-XMODEM over a binary string (one char per byte), from `start` to `end`. */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (table[((crc >>> 8) ^ s.charCodeAt(i)) & 0xff] as number);
  }
  return crc;
}

/** Redis Cluster's keyHashSlot: hash only the part inside the first `{...}` if it is non-empty. */
export function keySlot(key: string): Slot {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return (crc16(key, open + 1, close) & (slotCount - 1)) as Slot;
  }
  return (crc16(key) & (slotCount - 1)) as Slot;
}
