/**
 * A latency histogram in the manner of HdrHistogram, without the dependency: log-linear
 * buckets (64 sub-buckets per power of two, so any recorded value is reported within
 * 1/64 ≈ 1.6% above its true value), fixed memory, O(1) record. Values are non-negative
 * integers (the latency client records nanoseconds). Pure.
 */

/** Values below this are recorded exactly (one bucket each). */
const LINEAR = 128;
/** Sub-buckets per power of two above LINEAR. */
const SUB = 64;
/** Enough buckets for values up to 2^60. */
const BUCKETS = LINEAR + 60 * SUB;

export function bucketIndex(value: number): number {
  const v = Math.floor(value);
  if (v < LINEAR) return v < 0 ? 0 : v;
  let msb = Math.floor(Math.log2(v));
  // log2 of a float can land one off around exact powers of two.
  if (2 ** msb > v) msb--;
  else if (2 ** (msb + 1) <= v) msb++;
  const shift = msb - 6; // v / 2^shift is in [64, 128)
  const idx = LINEAR + (shift - 1) * SUB + (Math.floor(v / 2 ** shift) - SUB);
  return idx < BUCKETS ? idx : BUCKETS - 1;
}

/** The largest value that lands in bucket `idx` (HdrHistogram's "highest equivalent value"). */
export function bucketUpper(idx: number): number {
  if (idx < LINEAR) return idx;
  const shift = Math.floor((idx - LINEAR) / SUB) + 1;
  const sub = ((idx - LINEAR) % SUB) + SUB;
  return (sub + 1) * 2 ** shift - 1;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;

  record(value: number): void {
    const i = bucketIndex(value);
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /**
   * The value at percentile `p` (0..100): the smallest bucket bound at or below which at
   * least p% of the recorded values lie, capped by the exact maximum.
   */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(bucketUpper(i), this.max);
    }
    return this.max;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }
}
