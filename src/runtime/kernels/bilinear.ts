/**
 * Bilinear resampling exactly as torch's `F.interpolate(mode='bilinear', align_corners=False)`,
 * shared by the CPU twins of mask-resize and semantic-argmax (spec §5.1 step 6). The WGSL kernels
 * repeat the same arithmetic; keep the three in step.
 *
 * Per output coordinate d on an axis resized from `inSize` to `outSize`:
 *   src = max(scale * (d + 0.5) - 0.5, 0), scale = inSize / outSize
 *   lo = floor(src), hi = min(lo + 1, inSize - 1), frac = src - lo
 *   value = (1 - frac) * v[lo] + frac * v[hi]      (separably in y then x)
 * The index arithmetic is rounded to f32 at each step, as torch does for f32 tensors, so sample
 * positions match torch bit for bit; the weighted sums run in f64.
 */

/** The two taps and weight of every output coordinate along one axis. */
export interface BilinearAxis {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  /** Weight of `hi`; `lo` gets 1 - frac (also rounded to f32, like torch). */
  readonly frac: Float32Array;
}

const f32 = Math.fround;

/** Scale factor of one axis as the kernels receive it (f32, like torch's `input / output`). */
export function bilinearScale(inSize: number, outSize: number): number {
  return f32(inSize / outSize);
}

export function bilinearAxis(inSize: number, outSize: number): BilinearAxis {
  const scale = bilinearScale(inSize, outSize);
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(f32(f32(scale * (d + 0.5)) - 0.5), 0);
    const i = Math.min(Math.floor(src), inSize - 1);
    lo[d] = i;
    hi[d] = Math.min(i + 1, inSize - 1);
    frac[d] = src - i;
  }
  return { lo, hi, frac };
}

/**
 * Resamples output row `y` of the map starting at `offset` in `map` (an (inH, inW) plane) into
 * `out` (length = the x axis's output size).
 */
export function bilinearRow(
  map: Float32Array,
  offset: number,
  inW: number,
  ys: BilinearAxis,
  xs: BilinearAxis,
  y: number,
  out: Float64Array,
): void {
  const fy = ys.frac[y]!;
  const gy = f32(1 - fy);
  const r0 = offset + ys.lo[y]! * inW;
  const r1 = offset + ys.hi[y]! * inW;
  for (let x = 0; x < out.length; x++) {
    const fx = xs.frac[x]!;
    const gx = f32(1 - fx);
    const x0 = xs.lo[x]!;
    const x1 = xs.hi[x]!;
    out[x] = gy * (gx * map[r0 + x0]! + fx * map[r0 + x1]!) + fy * (gx * map[r1 + x0]! + fx * map[r1 + x1]!);
  }
}

/** The logistic function, as torch.sigmoid. */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}
