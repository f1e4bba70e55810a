/**
 * CPU twin of maskResize (mask-resize.ts, packed layout there): bilinear resize, sigmoid, threshold
 * and score statistics, spec §5.1 steps 6-9. Kept apart from the GPU host so it loads in plain
 * Node, without Vite's `?raw` WGSL import.
 */
import { bilinearAxis, bilinearRow, sigmoid } from './bilinear';
import { ceilDiv, checkInt, checkLength } from './gpu-kernel';

export interface MaskResizeShape {
  /** Instances (0 allowed: nothing is dispatched). */
  n: number;
  /** Low-res logit map height and width (4P at the model's resolution). */
  hm: number;
  wm: number;
  /** Original image height and width. */
  h0: number;
  w0: number;
}

export function checkMaskResizeShape({ n, hm, wm, h0, w0 }: MaskResizeShape): void {
  checkInt('n', n, 0);
  checkInt('hm', hm, 1);
  checkInt('wm', wm, 1);
  checkInt('h0', h0, 1);
  checkInt('w0', w0, 1);
}

export function wordsPerRow(w0: number): number {
  return ceilDiv(w0, 32);
}

export interface MaskResizeCpuResult {
  wordsPerRow: number;
  /** (N, H0, wordsPerRow) u32: the packed layout of mask-resize.ts as a single chunk. */
  bits: Uint32Array;
  count: Uint32Array;
  /** f64 sums: the twin is the accurate reference the GPU is compared with. */
  probSum: Float64Array;
}

/** CPU twin of maskResize (spec §5.1 steps 6-9 per mask, per row, per pixel). */
export function maskResizeCpu(logits: Float32Array, shape: MaskResizeShape): MaskResizeCpuResult {
  checkMaskResizeShape(shape);
  const { n, hm, wm, h0, w0 } = shape;
  checkLength('logits', logits, n * hm * wm);
  const words = wordsPerRow(w0);
  const bits = new Uint32Array(n * h0 * words);
  const count = new Uint32Array(n);
  const probSum = new Float64Array(n);
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(wm, w0);
  const row = new Float64Array(w0);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h0; y++) {
      bilinearRow(logits, i * hm * wm, wm, ys, xs, y, row);
      const rowWord = (i * h0 + y) * words;
      for (let x = 0; x < w0; x++) {
        const prob = sigmoid(row[x]!);
        if (prob > 0.5) {
          bits[rowWord + (x >>> 5)]! |= 1 << (x & 31);
          count[i]!++;
          probSum[i]! += prob;
        }
      }
    }
  }
  return { wordsPerRow: words, bits, count, probSum };
}
