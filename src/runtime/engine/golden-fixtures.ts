/** The oracle's golden fixtures (models/golden.py): their types and mask helpers, for Node and browser tests. */

export interface TensorRef {
  file: string;
  dtype: 'float32' | 'uint8' | 'int64';
  dims: number[];
}

export interface GoldenCase {
  task: string;
  image: string;
  width: number;
  height: number;
  prompt_ids: number[];
  pixels: TensorRef;
  expression?: string;
  ids?: number[];
  probs?: number[];
  box?: number[];
  text?: string;
  mask_runs?: number[] | number[][] | null;
  grid_ids?: number[][];
  grid_scores?: number[];
  boxes?: number[][];
  labels?: number[];
  scores?: number[];
  label_map?: TensorRef;
}

export interface Golden {
  package: string;
  cases: GoldenCase[];
  stages?: Record<string, unknown>;
}

/** Row-major runs (starting with zeros) -> a 0/1 mask. */
export function maskFromRuns(runs: number[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let pos = 0;
  runs.forEach((len, i) => {
    if (i % 2 === 1) out.fill(1, pos, pos + len);
    pos += len;
  });
  return out;
}

export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return union === 0 ? 1 : inter / union;
}
