/** Checks shared by every consumer of an RgbaImage (decoding, resizing). */
import type { RgbaImage } from '../api';
import { ImageError } from '../errors';

/** Throws ImageError unless the image has at least one pixel and exactly 4 bytes per pixel. */
export function checkRgbaImage(image: RgbaImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new ImageError(`The image size ${width}x${height} is not a pair of whole numbers.`, { width, height });
  }
  if (width === 0 || height === 0) {
    throw new ImageError(`The image is ${width}x${height}: it has no pixels.`, { width, height });
  }
  if (data.length !== width * height * 4) {
    throw new ImageError(
      `The pixel data holds ${data.length} bytes, but a ${width}x${height} RGBA image needs ${width * height * 4}.`,
      { width, height, bytes: data.length },
    );
  }
}
