// decodeImage in Node (sharp), on images written by Pillow (models/image_fixtures.py).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CancelledError, ImageError } from '../errors';
import { NOT_AN_IMAGE, decodeImage } from './decode-image';
import { readImageHeader } from './image-header';

interface Encoded {
  b64: string;
  width: number;
  height: number;
  rgb?: string;
}
const fixtures = JSON.parse(readFileSync(new URL('./__fixtures__/decode.json', import.meta.url), 'utf8')) as Record<string, Encoded>;
const bytes = (name: string): Uint8Array => new Uint8Array(Buffer.from(fixtures[name]!.b64, 'base64'));

/** RGB of pixel (x, y) of an RGBA image. */
function rgb(image: { width: number; data: ArrayLike<number> }, x: number, y: number): number[] {
  const i = 4 * (y * image.width + x);
  return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
}

/** Which quadrant colour a pixel is, with JPEG's blur allowed for. */
function colour(pixel: number[]): string {
  const names: Record<string, number[]> = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255], white: [255, 255, 255] };
  for (const [name, ref] of Object.entries(names)) if (pixel.every((v, c) => Math.abs(v - ref[c]!) < 40)) return name;
  return `other(${pixel.join(',')})`;
}

describe('decodeImage (Node)', () => {
  test('PNG bytes: exact pixels, opaque alpha, as Uint8Array, ArrayBuffer and Blob', async () => {
    const png = bytes('png3x2');
    const expected = Array.from(Buffer.from(fixtures.png3x2!.rgb!, 'base64'));
    for (const input of [png, png.slice().buffer, new Blob([png.slice()])]) {
      const { image, originalWidth, originalHeight, scale } = await decodeImage(input);
      expect([image.width, image.height, originalWidth, originalHeight, scale]).toEqual([3, 2, 3, 2, 1]);
      expect(Array.from(image.data).filter((_, i) => i % 4 !== 3)).toEqual(expected);
      expect(Array.from(image.data).filter((_, i) => i % 4 === 3)).toEqual(new Array(6).fill(255));
    }
  });

  test('1x1 PNG works', async () => {
    const { image } = await decodeImage(bytes('png1x1'));
    expect([image.width, image.height, ...rgb(image, 0, 0)]).toEqual([1, 1, 200, 100, 50]);
  });

  test('JPEG: quadrants where Pillow put them', async () => {
    const { image } = await decodeImage(bytes('jpegQuadrants'));
    expect([image.width, image.height]).toEqual([40, 20]);
    expect([rgb(image, 2, 2), rgb(image, 37, 2), rgb(image, 2, 17), rgb(image, 37, 17)].map(colour)).toEqual(['red', 'green', 'blue', 'white']);
  });

  test('EXIF orientation 6 comes out turned a quarter clockwise, also when downscaled', async () => {
    const exif = bytes('jpegExif6');
    expect(readImageHeader(exif)).toEqual({ format: 'jpeg', width: 40, height: 20, swapsAxes: true });
    const { image, originalWidth, originalHeight } = await decodeImage(exif);
    expect([image.width, image.height, originalWidth, originalHeight]).toEqual([20, 40, 20, 40]);
    // Stored red | green over blue | white, turned clockwise: blue | red over white | green.
    expect([rgb(image, 2, 2), rgb(image, 17, 2), rgb(image, 2, 37), rgb(image, 17, 37)].map(colour)).toEqual(['blue', 'red', 'white', 'green']);
    const small = await decodeImage(exif, { maxSide: 20 });
    expect([small.image.width, small.image.height, small.originalWidth, small.originalHeight, small.scale]).toEqual([10, 20, 20, 40, 0.5]);
    expect([rgb(small.image, 1, 1), rgb(small.image, 8, 18)].map(colour)).toEqual(['blue', 'green']);
  });

  test('bytes that are not an image -> ImageError in plain words, and the next call still works', async () => {
    const text = new TextEncoder().encode('hello, this is a text file');
    await expect(decodeImage(text)).rejects.toBeInstanceOf(ImageError);
    await expect(decodeImage(text)).rejects.toThrow(NOT_AN_IMAGE);
    await expect(decodeImage(new Uint8Array(0))).rejects.toBeInstanceOf(ImageError);
    // A PNG signature over garbage: recognised, then refused by the decoder.
    const broken = bytes('png3x2').slice(0, 40);
    await expect(decodeImage(broken)).rejects.toThrow(/PNG file could not be decoded/);
    expect((await decodeImage(bytes('png1x1'))).image.width).toBe(1);
  });

  test('0x0 -> ImageError, as pixels and as a PNG header', async () => {
    await expect(decodeImage({ width: 0, height: 0, data: new Uint8Array(0) })).rejects.toThrow(new ImageError('The image is 0x0: it has no pixels.', { width: 0, height: 0 }));
    const png = bytes('png1x1');
    new DataView(png.buffer).setUint32(16, 0);
    new DataView(png.buffer).setUint32(20, 0);
    await expect(decodeImage(png)).rejects.toBeInstanceOf(ImageError);
    await expect(decodeImage(png)).rejects.toThrow('The PNG image is 0x0: it has no pixels.');
  });

  test('RgbaImage input: copied when small, downscaled when over maxSide; bad data -> ImageError', async () => {
    // Opaque: resamplers premultiply by alpha, which shifts the colour of translucent pixels a little.
    const data = new Uint8Array(8 * 4 * 4).map((_, i) => (i % 4 === 3 ? 255 : 90));
    const same = await decodeImage({ width: 8, height: 4, data });
    expect(same.image.data).not.toBe(data);
    expect([same.image.width, same.image.height, same.scale]).toEqual([8, 4, 1]);
    const small = await decodeImage({ width: 8, height: 4, data }, { maxSide: 4 });
    expect([small.image.width, small.image.height, small.originalWidth, small.scale]).toEqual([4, 2, 8, 0.5]);
    expect(rgb(small.image, 1, 1)).toEqual([90, 90, 90]);
    await expect(decodeImage({ width: 8, height: 4, data: new Uint8Array(7) })).rejects.toBeInstanceOf(ImageError);
  });

  test('an aborted signal -> CancelledError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(decodeImage(bytes('png1x1'), { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  test('20000x20000 PNG: decoded straight to maxSide, never at full size', async () => {
    const png = new Uint8Array(readFileSync(new URL('./__fixtures__/black-20000.png', import.meta.url)));
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const { image, originalWidth, originalHeight, scale } = await decodeImage(png, { maxSide: 1000 });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect([image.width, image.height, originalWidth, originalHeight, scale]).toEqual([1000, 1000, 20000, 20000, 0.05]);
    // The white block (4000..6000, 10000..11000) lands at (200..300, 500..550).
    expect(rgb(image, 250, 525)).toEqual([255, 255, 255]);
    expect(rgb(image, 100, 100)).toEqual([0, 0, 0]);
    // Full-size RGBA alone would be 1.6 GB.
    expect(peak - before).toBeLessThan(400 * 2 ** 20);
  });
});
