/**
 * Summary statistics of timing samples. bench/peers.py computes the same figures the same way
 * (quantiles by linear interpolation between order statistics, numpy's default), so the two
 * tools' JSON files compare field for field.
 */

export interface MsStats {
  /** Number of timed runs. */
  n: number;
  median: number;
  min: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1); 0 for one sample. */
  stdev: number;
  /** First and third quartiles. */
  q1: number;
  q3: number;
}

/** Quantile `p` in [0, 1] of ascending `sorted` by linear interpolation (numpy's default). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile: no samples');
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Summary of timing samples in milliseconds (at least one). */
export function summarize(samples: readonly number[]): MsStats {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? s.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return {
    n,
    median: quantile(s, 0.5),
    min: s[0]!,
    max: s[n - 1]!,
    mean,
    stdev: Math.sqrt(variance),
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
  };
}

/** The spread we report: interquartile range over the median, in percent. */
export function spreadPct(st: MsStats): number {
  return st.median > 0 ? (100 * (st.q3 - st.q1)) / st.median : 0;
}
