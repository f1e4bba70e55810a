// decodeImage in Chromium (createImageBitmap + OffscreenCanvas), on images written by Pillow
// (models/image_fixtures.py), including EXIF orientation on the downscaling path.
import { describe, expect, test } from 'vitest';
import { ImageError } from '../errors';
import fixtures from './__fixtures__/decode.json';
import hugePngUrl from './__fixtures__/black-20000.png?url';
import { NOT_AN_IMAGE, decodeImage } from './decode-image';

const bytes = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

function rgb(image: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] {
  const i = 4 * (y * image.width + x);
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

function colour(pixel: number[]): string {
  const names: Record<string, number[]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], white: [255, 255, 255] };
  for (const [name, ref] of Object.entries(names)) if (pixel.every((v, c) => Math.abs(v - ref[c]!) < 40)) return name;
  return `other(${pixel.join(',')})`;
}

describe('decodeImage (browser)', () => {
  test('PNG from a Blob: exact pixels, opaque alpha', async () => {
    const { image, scale } = await decodeImage(new Blob([bytes(fixtures.png3x2.b64)], { type: 'image/png' }));
    expect([image.width, image.height, scale]).toEqual([3, 2, 1]);
    expect(Array.from(image.data).filter((_, i) => i % 4 !== 3)).toEqual(Array.from(bytes(fixtures.png3x2.rgb)));
    expect(Array.from(image.data).filter((_, i) => i % 4 === 3)).toEqual(new Array(6).fill(255));
  });

  test('1x1 PNG works', async () => {
    const { image } = await decodeImage(bytes(fixtures.png1x1.b64));
    expect([image.width, image.height, ...rgb(image, 0, 0)]).toEqual([1, 1, 200, 100, 50]);
  });

  test('EXIF orientation 6 comes out turned a quarter clockwise, also when downscaled', async () => {
    const exif = bytes(fixtures.jpegExif6.b64);
    const full = await decodeImage(exif);
    expect([full.image.width, full.image.height, full.originalWidth, full.originalHeight]).toEqual([20, 40, 20, 40]);
    expect([rgb(full.image, 2, 2), rgb(full.image, 17, 2), rgb(full.image, 2, 37), rgb(full.image, 17, 37)].map(colour)).toEqual(['blue', 'red', 'white', 'green']);
    const small = await decodeImage(exif, { maxSide: 20 });
    expect([small.image.width, small.image.height, small.originalWidth, small.originalHeight, small.scale]).toEqual([10, 20, 20, 40, 0.5]);
    expect([rgb(small.image, 1, 1), rgb(small.image, 8, 18)].map(colour)).toEqual(['blue', 'green']);
  });

  test('not an image, or a damaged one -> ImageError; the next call still works', async () => {
    await expect(decodeImage(new TextEncoder().encode('plain text'))).rejects.toThrow(NOT_AN_IMAGE);
    await expect(decodeImage(bytes(fixtures.png3x2.b64).slice(0, 40))).rejects.toBeInstanceOf(ImageError);
    expect((await decodeImage(bytes(fixtures.png1x1.b64))).image.width).toBe(1);
  });

  test('RgbaImage input is downscaled through an ImageBitmap', async () => {
    const data = new Uint8ClampedArray(8 * 4 * 4).map((_, i) => (i % 4 === 3 ? 255 : 90));
    const { image, scale } = await decodeImage({ width: 8, height: 4, data }, { maxSide: 4 });
    expect([image.width, image.height, scale, ...rgb(image, 1, 1)]).toEqual([4, 2, 0.5, 90, 90, 90]);
  });

  test('20000x20000 PNG is downscaled in the bitmap step', async () => {
    const blob = await (await fetch(hugePngUrl)).blob();
    const { image, originalWidth, scale } = await decodeImage(blob, { maxSide: 1000 });
    expect([image.width, image.height, originalWidth, scale]).toEqual([1000, 1000, 20000, 0.05]);
    expect(colour(rgb(image, 250, 525))).toBe('white');
    expect(rgb(image, 100, 100)).toEqual([0, 0, 0]);
  });
});
