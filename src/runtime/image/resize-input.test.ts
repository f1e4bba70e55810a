// resizeNormalizeCpu against the oracle's preprocessing (models/image_fixtures.py): torch bilinear
// to rtol/atol 1e-5 after normalisation (f32 in torch, f64 sums here); PIL bicubic levels exact.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { RgbaImage } from '../api';
import type { Interpolation } from '../config';
import { ImageError } from '../errors';
import { type ChannelTriple, resizeNormalizeCpu } from './resize-input-cpu';

interface Output {
  size: number;
  mode: Interpolation;
  pixels?: string;
  levels?: string;
}
interface Case {
  width: number;
  height: number;
  rgb: string;
  outputs: Output[];
}
interface Fixture {
  mean: ChannelTriple;
  std: ChannelTriple;
  cases: Case[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./__fixtures__/resize-normalize.json', import.meta.url), 'utf8'),
) as Fixture;
const { mean, std } = fixture;

function bytes(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

function rgbaFromRgb({ width, height, rgb }: Case): RgbaImage {
  const src = bytes(rgb);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set(src.subarray(3 * i, 3 * i + 3), 4 * i);
    // Alpha must not matter: give it noise.
    data[4 * i + 3] = (i * 37) & 255;
  }
  return { width, height, data };
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const limit = tol + tol * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= limit)) expect.fail(`element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('resizeNormalizeCpu vs the oracle', () => {
  for (const c of fixture.cases) {
    const image = rgbaFromRgb(c);
    for (const o of c.outputs) {
      test(`${o.mode} ${c.width}x${c.height} -> ${o.size}`, () => {
        const out = resizeNormalizeCpu(image, o.size, o.mode, mean, std);
        if (o.mode === 'bilinear') {
          const b = bytes(o.pixels!);
          expectClose(out, new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
        } else {
          // Back to levels: normalisation is exact enough that rounding recovers them.
          const levels = bytes(o.levels!);
          const plane = o.size * o.size;
          const ours = out.map((v, i) => Math.round(v * std[Math.floor(i / plane)]! + mean[Math.floor(i / plane)]!));
          const differing = ours.filter((v, i) => v !== levels[i]).length;
          expect(differing, 'levels that differ from Pillow').toBe(0);
          const expected = Float32Array.from(levels, (v, i) => (v - mean[Math.floor(i / plane)]!) / std[Math.floor(i / plane)]!);
          expectClose(out, expected, 1e-6);
        }
      });
    }
  }
});

describe('resizeNormalizeCpu', () => {
  const gray = (width: number, height: number, v: number): RgbaImage => ({
    width,
    height,
    data: new Uint8Array(width * height * 4).fill(v),
  });

  test('debug case: a flat image stays flat in both modes, channel planes in R, G, B order', () => {
    const image: RgbaImage = { width: 3, height: 2, data: new Uint8Array(24) };
    for (let i = 0; i < 6; i++) image.data.set([10, 20, 30, 255], 4 * i);
    for (const mode of ['bilinear', 'bicubic-pil'] as const) {
      const out = resizeNormalizeCpu(image, 5, mode, [10, 0, 20], [1, 2, 5]);
      expect(Array.from(out.subarray(0, 25))).toEqual(new Array(25).fill(0));
      expect(Array.from(out.subarray(25, 50))).toEqual(new Array(25).fill(10));
      expect(Array.from(out.subarray(50, 75))).toEqual(new Array(25).fill(2));
    }
  });

  test('same size is the identity (bilinear taps land on pixel centres)', () => {
    const image: RgbaImage = { width: 2, height: 2, data: Uint8Array.from([1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 10, 11, 12, 0]) };
    for (const mode of ['bilinear', 'bicubic-pil'] as const) {
      expect(Array.from(resizeNormalizeCpu(image, 2, mode, [0, 0, 0], [1, 1, 1]))).toEqual([1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
    }
  });

  test('bad arguments: ImageError for the image, RangeError naming the rest', () => {
    expect(() => resizeNormalizeCpu(gray(0, 0, 0), 4, 'bilinear', mean, std)).toThrow(ImageError);
    expect(() => resizeNormalizeCpu({ width: 2, height: 2, data: new Uint8Array(15) }, 4, 'bilinear', mean, std)).toThrow(ImageError);
    expect(() => resizeNormalizeCpu(gray(2, 2, 0), 0, 'bilinear', mean, std)).toThrow(/size/);
    expect(() => resizeNormalizeCpu(gray(2, 2, 0), 4, 'bilinear', mean, [1, 0, 1])).toThrow(/std\[1\]/);
  });
});
