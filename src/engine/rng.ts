/**
 * Deterministic pseudo-random numbers for the engine: seeded from `ctx.seed`, so every
 * replica draws the same values for the same update (RANDOMKEY, SPOP, SRANDMEMBER...).
 * splitmix32 → mulberry32; quality is ample for sampling, not for cryptography.
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}
