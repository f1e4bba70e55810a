/**
 * CPU twin of maskSimilarity (mask-similarity.ts, layouts there): mask retrieval logits, spec §5.1
 * steps 4-5. Kept apart from the GPU host so it loads in plain Node, without Vite's `?raw` WGSL import.
 */
import { checkInt, checkLength } from './gpu-kernel';

export interface MaskSimilarityShape {
  /** Instances (0 allowed: nothing is dispatched). */
  n: number;
  /** Patch grid side P. */
  p: number;
  /** Embed width C. */
  c: number;
}

export function checkMaskSimilarityShape({ n, p, c }: MaskSimilarityShape): void {
  checkInt('n', n, 0);
  checkInt('p', p, 1);
  checkInt('c', c, 1);
}

/** CPU twin of maskSimilarity, following spec §5.1 steps 4-5 loop by loop (dot products in f64). */
export function maskSimilarityCpu(
  feat: Float32Array,
  queries: Float32Array,
  shape: MaskSimilarityShape,
): Float32Array {
  checkMaskSimilarityShape(shape);
  const { n, p, c } = shape;
  checkLength('feat', feat, p * p * c);
  checkLength('queries', queries, n * 16 * c);
  const side = 4 * p;
  const out = new Float32Array(n * side * side);
  const scale = Math.sqrt(c);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 16; k++) {
      const a = Math.floor(k / 4);
      const b = k % 4;
      const q = (i * 16 + k) * c;
      for (let y = 0; y < p; y++) {
        for (let x = 0; x < p; x++) {
          const f = (y * p + x) * c;
          let dot = 0;
          for (let j = 0; j < c; j++) dot += queries[q + j]! * feat[f + j]!;
          out[i * side * side + (4 * y + a) * side + 4 * x + b] = dot / scale;
        }
      }
    }
  }
  return out;
}
