/**
 * The model's `pixels` input on the CPU (spec §2): an RGBA image resized to (S, S), aspect ratio not
 * kept, normalised per channel to `(v - mean[c]) / std[c]` (0..255 scale), laid out as the ONNX
 * input: float32 (1, 3, S, S), channel planes R, G, B, row-major. Alpha is ignored, as PIL's
 * `convert('RGB')` drops it.
 *
 * This is the twin of the WGSL kernel in resize-input.ts and the wasm/Node path itself. Kept apart
 * from the GPU host so it loads in plain Node, without Vite's `?raw` WGSL import.
 *
 * Two resamplers, the ones the official pipelines use (models/oracle.py: resize_image):
 * - 'bilinear' (detection, segmentation): torch `F.interpolate(mode='bilinear',
 *   align_corners=False)` on the float image: half-pixel centres, edge clamp, no antialias, no
 *   rounding to uint8. Sample positions come from kernels/bilinear.ts, so they match torch bit for bit.
 * - 'bicubic-pil' (caption, grounding): PIL's `Image.resize(BICUBIC)` on uint8, reproduced in its
 *   integer arithmetic (see pilAxis), so levels match Pillow exactly.
 */
import type { RgbaImage } from '../api';
import type { Interpolation } from '../config';
import { bilinearAxis } from '../kernels/bilinear';
import { checkInt } from '../kernels/gpu-kernel';
import { checkRgbaImage } from './rgba';

/** Per-channel constants, R, G, B, on the 0..255 scale (the package config's preprocess block). */
export type ChannelTriple = readonly [number, number, number];

export function checkNormalization(mean: ChannelTriple, std: ChannelTriple): void {
  for (let c = 0; c < 3; c++) {
    if (!Number.isFinite(mean[c])) throw new RangeError(`mean[${c}] must be finite, got ${mean[c]}`);
    if (!(Number.isFinite(std[c]) && std[c]! > 0)) throw new RangeError(`std[${c}] must be finite and > 0, got ${std[c]}`);
  }
}

export function resizeNormalizeCpu(
  image: RgbaImage,
  size: number,
  interpolation: Interpolation,
  mean: ChannelTriple,
  std: ChannelTriple,
): Float32Array {
  checkRgbaImage(image);
  checkInt('size', size, 1);
  checkNormalization(mean, std);
  switch (interpolation) {
    case 'bilinear':
      return bilinearNormalize(image, size, mean, std);
    case 'bicubic-pil':
      return normalizeLevels(pilBicubic(image, size), size, mean, std);
  }
}

/** Bilinear taps per axis, then per output pixel the weighted sum of the four RGB neighbours. */
function bilinearNormalize(image: RgbaImage, size: number, mean: ChannelTriple, std: ChannelTriple): Float32Array {
  const { width, data } = image;
  const ys = bilinearAxis(image.height, size);
  const xs = bilinearAxis(width, size);
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < size; y++) {
    const fy = ys.frac[y]!;
    const gy = Math.fround(1 - fy);
    const r0 = ys.lo[y]! * width;
    const r1 = ys.hi[y]! * width;
    for (let x = 0; x < size; x++) {
      const fx = xs.frac[x]!;
      const gx = Math.fround(1 - fx);
      const p00 = 4 * (r0 + xs.lo[x]!);
      const p01 = 4 * (r0 + xs.hi[x]!);
      const p10 = 4 * (r1 + xs.lo[x]!);
      const p11 = 4 * (r1 + xs.hi[x]!);
      for (let c = 0; c < 3; c++) {
        // Same nesting as torch (rows outside, columns inside) and as the WGSL kernel.
        const v =
          gy * (gx * data[p00 + c]! + fx * data[p01 + c]!) + fy * (gx * data[p10 + c]! + fx * data[p11 + c]!);
        out[c * plane + y * size + x] = (v - mean[c]!) / std[c]!;
      }
    }
  }
  return out;
}

/** (3, S, S) uint8 levels -> normalised float32 (1, 3, S, S). */
function normalizeLevels(levels: Uint8Array, size: number, mean: ChannelTriple, std: ChannelTriple): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++) out[c * plane + i] = (levels[c * plane + i]! - mean[c]!) / std[c]!;
  }
  return out;
}

/**
 * Fixed-point fraction bits of Pillow's 8-bit resampler: 32 bits minus 8 for the value and 2 for
 * the overshoot of negative cubic lobes.
 */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** PIL's BICUBIC kernel: Keys' cubic convolution with a = -0.5, support 2. */
function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Source taps of every output coordinate on one axis: output d reads `count[d]` inputs from `start[d]`. */
interface PilAxis {
  readonly start: Int32Array;
  readonly count: Int32Array;
  /** Row d holds the fixed-point weights of output d, `taps` wide (unused ones 0). */
  readonly weights: Int32Array;
  readonly taps: number;
}

/**
 * Pillow's coefficients for resizing `inSize` to `outSize`: when shrinking, the kernel is stretched
 * by the scale (antialiasing, so every input pixel contributes); weights are normalised to sum 1 in
 * doubles, then rounded half away from zero to PRECISION_BITS fixed point. The expression order
 * (a reciprocal multiply, truncating casts) follows Pillow's, so every weight is bit-identical.
 */
function pilAxis(inSize: number, outSize: number): PilAxis {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const inverse = 1 / filterScale;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let d = 0; d < outSize; d++) {
    const center = (d + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - lo;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      w[i] = cubic((i + lo - center + 0.5) * inverse);
      sum += w[i]!;
    }
    for (let i = 0; i < n; i++) {
      const k = sum !== 0 ? w[i]! / sum : w[i]!;
      weights[d * taps + i] = Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    }
    start[d] = lo;
    count[d] = n;
  }
  return { start, count, weights, taps };
}

/** Rounds a fixed-point sum (with HALF already added) to a level, clamped as Pillow's clip8. */
function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL `Image.resize((S, S), BICUBIC)` of the RGB channels: a horizontal pass into uint8, then a
 * vertical pass into uint8, each skipped when its axis keeps its size (as Pillow does; the cubic
 * would be the identity there anyway). Returns (3, S, S) levels. Sums are integers below 2^31, so
 * doubles hold them exactly and Math.floor equals C's arithmetic shift.
 */
function pilBicubic(image: RgbaImage, size: number): Uint8Array {
  const { width, height, data } = image;
  // Horizontal pass: (height, size, 3) interleaved, or the RGB of the input when the width stays.
  let rows: Uint8Array;
  let rowStride: number;
  let pixelStride: number;
  if (width !== size) {
    const xs = pilAxis(width, size);
    rows = new Uint8Array(height * size * 3);
    rowStride = size * 3;
    pixelStride = 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < size; x++) {
        const k = x * xs.taps;
        const s = 4 * (y * width + xs.start[x]!);
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let i = 0; i < xs.count[x]!; i++) {
          const wi = xs.weights[k + i]!;
          r += data[s + 4 * i]! * wi;
          g += data[s + 4 * i + 1]! * wi;
          b += data[s + 4 * i + 2]! * wi;
        }
        const o = y * rowStride + 3 * x;
        rows[o] = clip8(r);
        rows[o + 1] = clip8(g);
        rows[o + 2] = clip8(b);
      }
    }
  } else {
    rows = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
    rowStride = width * 4;
    pixelStride = 4;
  }

  const plane = size * size;
  const out = new Uint8Array(3 * plane);
  if (height !== size) {
    const ys = pilAxis(height, size);
    for (let y = 0; y < size; y++) {
      const k = y * ys.taps;
      const first = ys.start[y]!;
      for (let x = 0; x < size; x++) {
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let i = 0; i < ys.count[y]!; i++) {
          const wi = ys.weights[k + i]!;
          const s = (first + i) * rowStride + x * pixelStride;
          r += rows[s]! * wi;
          g += rows[s + 1]! * wi;
          b += rows[s + 2]! * wi;
        }
        out[y * size + x] = clip8(r);
        out[plane + y * size + x] = clip8(g);
        out[2 * plane + y * size + x] = clip8(b);
      }
    }
  } else {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const s = y * rowStride + x * pixelStride;
        for (let c = 0; c < 3; c++) out[c * plane + y * size + x] = rows[s + c]!;
      }
    }
  }
  return out;
}
