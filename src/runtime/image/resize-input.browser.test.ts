// resize-normalize.wgsl against its CPU twin (itself checked against torch in resize-input.test.ts).
// Tolerance: rtol 1e-5, atol 1e-5 on the normalised values (f32 on the GPU, f64 sums in the twin).
import { describe, expect, test } from 'vitest';
import type { RgbaImage } from '../api';
import { createInput } from '../kernels/gpu-kernel';
import { readChecked, rng, testDevice, upload } from '../kernels/testing';
import { resizeNormalize } from './resize-input';
import { type ChannelTriple, resizeNormalizeCpu } from './resize-input-cpu';

const MEAN: ChannelTriple = [123.675, 116.28, 103.53];
const STD: ChannelTriple = [58.395, 57.12, 57.375];

function randomImage(width: number, height: number, seed: number): RgbaImage {
  const random = rng(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 4 }, () => Math.floor(256 * random())) };
}

async function gpuResize(image: RgbaImage, size: number): Promise<Float32Array> {
  const device = await testDevice();
  const input = createInput(device, 'test image', image.data);
  const out = resizeNormalize({ device }, { image: input, width: image.width, height: image.height, size, mean: MEAN, std: STD });
  const bytes = 3 * size * size * 4;
  expect(out.size).toBe(bytes);
  const result = new Float32Array(await readChecked(device, out, bytes));
  input.destroy();
  out.destroy();
  return result;
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tol = 1e-5 + 1e-5 * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol)) {
      expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
    }
  }
}

describe('resize-normalize GPU vs CPU twin', () => {
  // Up- and downscales, odd sides, outputs whose pixel count is not a multiple of 64.
  const cases: [number, number, number][] = [
    [1, 1, 3],
    [7, 5, 16],
    [33, 17, 31],
    [64, 40, 45],
    [300, 200, 63],
    [37, 501, 224],
  ];
  for (const [width, height, size] of cases) {
    test(`${width}x${height} -> ${size}`, async () => {
      const image = randomImage(width, height, width * 1000 + height + size);
      expectClose(await gpuResize(image, size), resizeNormalizeCpu(image, size, 'bilinear', MEAN, STD));
    });
  }

  test('2064x2064 output: 66564 workgroups fold into a 2-D grid', async () => {
    const image = randomImage(13, 11, 7);
    const size = 2064;
    expectClose(await gpuResize(image, size), resizeNormalizeCpu(image, size, 'bilinear', MEAN, STD));
  });

  test('debug case: 2x1 image to 4x4, exact half-pixel weights', async () => {
    // Columns sample x = 0, 0.25, 0.75, 1 of [0, 200] (clamped at both ends): 0, 50, 150, 200.
    const image: RgbaImage = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 255, 200, 100, 40, 255]) };
    const device = await testDevice();
    const out = resizeNormalize({ device }, { image: createInput(device, 'debug', image.data), width: 2, height: 1, size: 4, mean: [0, 0, 0], std: [1, 2, 4] });
    const gpu = new Float32Array(await readChecked(device, out, 3 * 16 * 4));
    const row = (a: number, b: number): number[] => [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b];
    expect(Array.from(gpu.subarray(0, 4))).toEqual(row(0, 200));
    expect(Array.from(gpu.subarray(16, 20))).toEqual(row(0, 50));
    expect(Array.from(gpu.subarray(32, 36))).toEqual(row(0, 10));
  });

  test('bad arguments throw RangeError naming them', async () => {
    const device = await testDevice();
    const small = upload(device, new Uint32Array(4));
    const args = { image: small, width: 2, height: 2, size: 4, mean: MEAN, std: STD };
    expect(() => resizeNormalize({ device }, { ...args, width: 3 })).toThrow(/image/);
    expect(() => resizeNormalize({ device }, { ...args, size: 0 })).toThrow(/size/);
    expect(() => resizeNormalize({ device }, { ...args, std: [1, 1, 0] })).toThrow(/std/);
    small.destroy();
  });
});
