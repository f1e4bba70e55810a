/**
 * CPU twin of semanticArgmax (semantic-argmax.ts, layouts there): the semantic label map of spec
 * §5.2. Kept apart from the GPU host so it loads in plain Node, without Vite's `?raw` WGSL import.
 */
import { bilinearAxis, bilinearRow, sigmoid } from './bilinear';
import { checkInt, checkLength } from './gpu-kernel';

export interface SemanticArgmaxShape {
  /** Instances (0 allowed: every pixel gets class 0, nothing is dispatched). */
  n: number;
  /** Low-res logit map height and width. */
  hm: number;
  wm: number;
  /** Output (original image) height and width. */
  h0: number;
  w0: number;
  /** Number of classes K (150 for ADE20K); every label must be below it. */
  k: number;
}

export function checkSemanticArgmaxArgs(
  shape: SemanticArgmaxShape,
  labels: Uint32Array,
  scores: Float32Array,
): void {
  const { n, hm, wm, h0, w0, k } = shape;
  checkInt('n', n, 0);
  checkInt('hm', hm, 1);
  checkInt('wm', wm, 1);
  checkInt('h0', h0, 1);
  checkInt('w0', w0, 1);
  checkInt('k', k, 1);
  checkLength('labels', labels, n);
  checkLength('scores', scores, n);
  for (let i = 0; i < n; i++) {
    if (labels[i]! >= k) throw new RangeError(`labels[${i}] = ${labels[i]} is not below k = ${k}`);
    // Negative scores would let a class without instances (sum 0) win, which the kernel's
    // single pass over the present classes does not model.
    const s = scores[i]!;
    if (!(s >= 0 && Number.isFinite(s))) throw new RangeError(`scores[${i}] = ${s} must be finite and >= 0`);
  }
}

/**
 * CPU twin of semanticArgmax, following spec §5.2: K class sums per pixel (in f64, instances in
 * index order), then the first maximum.
 */
export function semanticArgmaxCpu(
  logits: Float32Array,
  labels: Uint32Array,
  scores: Float32Array,
  shape: SemanticArgmaxShape,
): Uint32Array {
  checkSemanticArgmaxArgs(shape, labels, scores);
  const { n, hm, wm, h0, w0, k } = shape;
  checkLength('logits', logits, n * hm * wm);
  const out = new Uint32Array(h0 * w0);
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(wm, w0);
  // Interpolated rows of every instance for the current image row.
  const rows = Array.from({ length: n }, () => new Float64Array(w0));
  const sums = new Float64Array(k);
  for (let y = 0; y < h0; y++) {
    for (let i = 0; i < n; i++) bilinearRow(logits, i * hm * wm, wm, ys, xs, y, rows[i]!);
    for (let x = 0; x < w0; x++) {
      sums.fill(0);
      for (let i = 0; i < n; i++) sums[labels[i]!]! += scores[i]! * sigmoid(rows[i]![x]!);
      let best = 0;
      for (let c = 1; c < k; c++) if (sums[c]! > sums[best]!) best = c;
      out[y * w0 + x] = best;
    }
  }
  return out;
}
