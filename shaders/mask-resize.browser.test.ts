// mask-resize.wgsl against its CPU twin. Tolerances: bits identical except pixels whose prob is
// within 1e-5 of 0.5; count off by at most the number of such pixels; probSum rtol 1e-5 plus 0.5
// per such pixel (f32 tree sums on the GPU vs f64 on the CPU).
import { describe, expect, test } from 'vitest';
import { bilinearAxis, bilinearRow, sigmoid } from '../src/runtime/kernels/bilinear';
import {
  type PackedMasks,
  destroyPackedMasks,
  maskResize,
  readMaskStats,
} from '../src/runtime/kernels/mask-resize';
import { maskResizeCpu } from '../src/runtime/kernels/mask-resize-cpu';
import { randomArray, readChecked, rng, testDevice, upload } from '../src/runtime/kernels/testing';

interface Case {
  n: number;
  hm: number;
  wm: number;
  h0: number;
  w0: number;
  maxChunkBytes?: number;
}

/** Per mask, a flag per pixel whose probability is too close to 0.5 to compare. */
function ambiguousPixels(logits: Float32Array, { n, hm, wm, h0, w0 }: Case): Uint8Array {
  const flags = new Uint8Array(n * h0 * w0);
  const ys = bilinearAxis(hm, h0);
  const xs = bilinearAxis(wm, w0);
  const row = new Float64Array(w0);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h0; y++) {
      bilinearRow(logits, i * hm * wm, wm, ys, xs, y, row);
      for (let x = 0; x < w0; x++) {
        if (Math.abs(sigmoid(row[x]!) - 0.5) <= 1e-5) flags[(i * h0 + y) * w0 + x] = 1;
      }
    }
  }
  return flags;
}

/** All chunks of packed masks read back as one (N, H0, wordsPerRow) array. */
async function readPacked(device: GPUDevice, masks: PackedMasks): Promise<Uint32Array> {
  const { n, h0, wordsPerRow } = masks;
  const all = new Uint32Array(n * h0 * wordsPerRow);
  for (const chunk of masks.chunks) {
    const words = chunk.rowCount * wordsPerRow;
    const data = new Uint32Array(await readChecked(device, chunk.bits, n * words * 4));
    for (let i = 0; i < n; i++) {
      all.set(data.subarray(i * words, (i + 1) * words), (i * h0 + chunk.rowStart) * wordsPerRow);
    }
  }
  return all;
}

async function run(c: Case, seed: number): Promise<PackedMasks> {
  const device = await testDevice();
  const logits = randomArray(rng(seed), c.n * c.hm * c.wm, -4, 4);
  const logitBuf = upload(device, logits);
  const { masks, stats } = maskResize({ device }, { ...c, logits: logitBuf });
  const gpuBits = await readPacked(device, masks);
  const gpuStats = await readMaskStats(device, stats, c.n);
  const cpu = maskResizeCpu(logits, c);
  const ambiguous = ambiguousPixels(logits, c);

  expect(masks.wordsPerRow).toBe(cpu.wordsPerRow);
  for (let i = 0; i < c.n; i++) {
    let skipped = 0;
    for (let y = 0; y < c.h0; y++) {
      for (let x = 0; x < cpu.wordsPerRow * 32; x++) {
        const word = (i * c.h0 + y) * cpu.wordsPerRow + (x >>> 5);
        const g = (gpuBits[word]! >>> (x & 31)) & 1;
        const e = (cpu.bits[word]! >>> (x & 31)) & 1;
        if (x < c.w0 && ambiguous[(i * c.h0 + y) * c.w0 + x] === 1) {
          skipped++;
        } else if (g !== e) {
          expect.fail(`mask ${i} pixel (${y}, ${x}): gpu ${g}, cpu ${e}`);
        }
      }
    }
    expect(Math.abs(gpuStats.count[i]! - cpu.count[i]!)).toBeLessThanOrEqual(skipped);
    const tol = 1e-5 * cpu.probSum[i]! + 0.5 * skipped + 1e-6;
    expect(Math.abs(gpuStats.probSum[i]! - cpu.probSum[i]!)).toBeLessThanOrEqual(tol);
  }
  logitBuf.destroy();
  stats.destroy();
  return masks;
}

describe('mask-resize GPU vs CPU twin', () => {
  const cases: Case[] = [
    { n: 0, hm: 12, wm: 12, h0: 17, w0: 33 },
    { n: 1, hm: 12, wm: 12, h0: 1, w0: 1 },
    { n: 5, hm: 12, wm: 12, h0: 17, w0: 33 },
    { n: 2, hm: 28, wm: 28, h0: 300, w0: 200 },
    { n: 3, hm: 28, wm: 20, h0: 17, w0: 9 }, // downsampling
    { n: 1, hm: 1, wm: 1, h0: 5, w0: 64 }, // single logit: every tap clamps
  ];
  for (const [index, c] of cases.entries()) {
    test(`n=${c.n} ${c.hm}x${c.wm} -> ${c.h0}x${c.w0}`, async () => {
      const masks = await run(c, 7 + index);
      expect(masks.chunks.length).toBe(c.n === 0 ? 0 : 1);
      destroyPackedMasks(masks);
    });
  }

  test('row chunks: 3 masks of 40x70 in chunks of 7 rows give the same masks and stats', async () => {
    // 3 masks * 3 words * 4 bytes = 36 bytes per row; 252 bytes = 7 rows per chunk.
    const masks = await run({ n: 3, hm: 8, wm: 8, h0: 40, w0: 70, maxChunkBytes: 252 }, 99);
    expect(masks.chunks.map((chunk) => [chunk.rowStart, chunk.rowCount])).toEqual([
      [0, 7], [7, 7], [14, 7], [21, 7], [28, 7], [35, 5],
    ]);
    destroyPackedMasks(masks);
  });

  test('debug case: 2x2 logits to 4x4', async () => {
    const device = await testDevice();
    // Both axes sample source positions 0 (clamped from -0.25), 0.25, 0.75 and 1 (hi clamped).
    // Logits [[-1, 1], [1, 3]] are the plane -1 + 2r + 2c, so pixel values are
    //   -1 -0.5 0.5 1 / -0.5 0 1 1.5 / 0.5 1 2 2.5 / 1 1.5 2.5 3
    // and 0 (prob exactly 0.5) is off.
    const logits = new Float32Array([-1, 1, 1, 3]);
    const { masks, stats } = maskResize({ device }, { logits: upload(device, logits), n: 1, hm: 2, wm: 2, h0: 4, w0: 4 });
    const bits = new Uint32Array(await readChecked(device, masks.chunks[0]!.bits, 16));
    expect(Array.from(bits)).toEqual([0b1100, 0b1100, 0b1111, 0b1111]);
    const { count, probSum } = await readMaskStats(device, stats, 1);
    expect(count[0]).toBe(12);
    const on = [0.5, 1, 1, 1.5, 0.5, 1, 2, 2.5, 1, 1.5, 2.5, 3];
    expect(probSum[0]).toBeCloseTo(on.reduce((sum, v) => sum + sigmoid(v), 0), 5);
  });

  test('bad arguments throw RangeError naming them', async () => {
    const device = await testDevice();
    const small = upload(device, new Float32Array(4));
    expect(() => maskResize({ device }, { logits: small, n: 1, hm: 4, wm: 4, h0: 2, w0: 2 })).toThrow(/logits/);
    expect(() => maskResize({ device }, { logits: small, n: 1, hm: 2, wm: 2, h0: 0, w0: 2 })).toThrow(/h0/);
    expect(() => maskResize({ device }, { logits: small, n: 1, hm: 2, wm: 2, h0: 2, w0: 2, maxChunkBytes: 2 })).toThrow(
      /maxChunkBytes/,
    );
  });
});
