/** Median, min and max of a set of samples; null when there are none. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export const summarize = (samples: readonly number[]): Summary | null => {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  const lower = sorted[mid - 1] ?? upper;
  return {
    n: sorted.length,
    median: sorted.length % 2 === 1 ? upper : (lower + upper) / 2,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
  };
};

/** A number for a table: whole numbers from 100 up, one decimal below. */
export const fmt = (value: number): string =>
  Math.abs(value) >= 100 ? Math.round(value).toString() : value.toFixed(1);

/** "median (min–max)", or "n/a". */
export const fmtSummary = (s: Summary | null): string =>
  s === null ? 'n/a' : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
