// mask-iou.wgsl against its CPU twin. Tolerance: exact (integer counts).
import { describe, expect, test } from 'vitest';
import { maskIntersections } from '../src/runtime/kernels/mask-iou';
import { maskIntersectionsCpu } from '../src/runtime/kernels/mask-iou-cpu';
import { type PackedMasks, destroyPackedMasks, maskResize } from '../src/runtime/kernels/mask-resize';
import { randomArray, readChecked, rng, testDevice, upload } from '../src/runtime/kernels/testing';

/** Random packed masks with each pixel on with probability `density`; padding bits stay 0. */
function randomBits(seed: number, n: number, h0: number, w0: number, density: number): Uint32Array {
  const random = rng(seed);
  const words = Math.ceil(w0 / 32);
  const bits = new Uint32Array(n * h0 * words);
  for (let r = 0; r < n * h0; r++) {
    for (let x = 0; x < w0; x++) if (random() < density) bits[r * words + (x >>> 5)]! |= 1 << (x & 31);
  }
  return bits;
}

async function intersectionsOf(device: GPUDevice, masks: PackedMasks): Promise<Uint32Array> {
  const inter = maskIntersections({ device }, masks);
  const out = new Uint32Array(await readChecked(device, inter, masks.n * masks.n * 4));
  inter.destroy();
  return out;
}

describe('mask-iou GPU vs CPU twin', () => {
  const cases: [number, number, number, number][] = [
    [0, 17, 33, 0.5],
    [1, 1, 1, 1],
    [5, 17, 33, 0.5],
    [4, 300, 200, 0.3],
    [7, 9, 70, 0.8],
  ];
  for (const [n, h0, w0, density] of cases) {
    test(`n=${n} ${h0}x${w0}`, async () => {
      const device = await testDevice();
      const bits = randomBits(n * 31 + h0, n, h0, w0, density);
      const words = Math.ceil(w0 / 32);
      const buffer = upload(device, bits);
      const masks: PackedMasks = { n, h0, w0, wordsPerRow: words, chunks: [{ rowStart: 0, rowCount: h0, bits: buffer }] };
      expect(Array.from(await intersectionsOf(device, masks))).toEqual(
        Array.from(maskIntersectionsCpu(bits, n, h0 * words)),
      );
      buffer.destroy();
    });
  }

  test('256 masks: 65536 pair workgroups fold into a 2-D grid', async () => {
    const device = await testDevice();
    const n = 256;
    const bits = randomBits(5, n, 1, 40, 0.5);
    const buffer = upload(device, bits);
    const masks: PackedMasks = { n, h0: 1, w0: 40, wordsPerRow: 2, chunks: [{ rowStart: 0, rowCount: 1, bits: buffer }] };
    expect(Array.from(await intersectionsOf(device, masks))).toEqual(Array.from(maskIntersectionsCpu(bits, n, 2)));
    buffer.destroy();
  });

  test('row chunks of maskResize add up to the intersections of the whole masks', async () => {
    const device = await testDevice();
    const n = 4;
    const logits = upload(device, randomArray(rng(3), n * 10 * 10, -3, 3));
    const shape = { logits, n, hm: 10, wm: 10, h0: 45, w0: 37 };
    const whole = maskResize({ device }, shape);
    const chunked = maskResize({ device }, { ...shape, maxChunkBytes: 4 * 2 * 4 * 6 });
    expect(chunked.masks.chunks.length).toBe(8);
    const expected = maskIntersectionsCpu(
      new Uint32Array(await readChecked(device, whole.masks.chunks[0]!.bits, n * 45 * 2 * 4)),
      n,
      45 * 2,
    );
    expect(Array.from(await intersectionsOf(device, chunked.masks))).toEqual(Array.from(expected));
    for (const r of [whole, chunked]) {
      destroyPackedMasks(r.masks);
      r.stats.destroy();
    }
    logits.destroy();
  });

  test('debug case: two overlapping 1x40 masks', async () => {
    const device = await testDevice();
    // Mask 0 = pixels 0..9 and 32..35 (14 px); mask 1 = pixels 8..33 (26 px); overlap 8,9,32,33.
    const bits = new Uint32Array([0x3ff, 0xf, 0xffffff00, 0x3]);
    const buffer = upload(device, bits);
    const masks: PackedMasks = { n: 2, h0: 1, w0: 40, wordsPerRow: 2, chunks: [{ rowStart: 0, rowCount: 1, bits: buffer }] };
    expect(Array.from(await intersectionsOf(device, masks))).toEqual([14, 4, 4, 26]);
  });

  test('a chunk too small for its masks throws RangeError naming it', async () => {
    const device = await testDevice();
    const buffer = upload(device, new Uint32Array(2));
    const masks: PackedMasks = { n: 2, h0: 1, w0: 40, wordsPerRow: 2, chunks: [{ rowStart: 0, rowCount: 1, bits: buffer }] };
    expect(() => maskIntersections({ device }, masks)).toThrow(/chunks\[0\]\.bits/);
  });
});
