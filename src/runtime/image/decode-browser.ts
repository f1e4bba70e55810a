/**
 * Decoding in the browser and in Web Workers: createImageBitmap, then an OffscreenCanvas to read
 * RGBA. Bitmaps are closed whatever happens, so a failure leaks nothing.
 */
import type { RgbaImage } from '../api';
import type { DecodedImage, PlatformDecoder } from './decode-image';
import { workingSize } from './decode-image';
import type { ImageHeader } from './image-header';

/**
 * - imageOrientation 'from-image': EXIF orientation applied, as cv2's IMREAD_COLOR does (spec §2).
 * - premultiplyAlpha 'none': colour values of translucent pixels are kept, not scaled by alpha.
 * - colorSpaceConversion 'none': raw decoded values, as cv2 and PIL read them (they ignore ICC).
 */
const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image',
  premultiplyAlpha: 'none',
  colorSpaceConversion: 'none',
};

async function readPixels(source: ImageBitmapSource, options: ImageBitmapOptions): Promise<RgbaImage> {
  const bitmap = await createImageBitmap(source, options);
  try {
    const { width, height } = bitmap;
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('OffscreenCanvas has no 2d context');
    context.drawImage(bitmap, 0, 0);
    return { width, height, data: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

/**
 * Downscaling happens inside createImageBitmap (resizeWidth/resizeHeight, high quality), so the
 * canvas and the RGBA copy are only ever the working size. Chrome takes the resize size in upright
 * (oriented) coordinates, hence the axis swap for EXIF orientations 5-8.
 */
async function decode(source: Blob | Uint8Array, header: ImageHeader, maxSide: number): Promise<DecodedImage> {
  const blob = source instanceof Blob ? source : new Blob([source as Uint8Array<ArrayBuffer>]);
  const uprightWidth = header.swapsAxes ? header.height : header.width;
  const uprightHeight = header.swapsAxes ? header.width : header.height;
  const target = workingSize(uprightWidth, uprightHeight, maxSide);
  if (target.scale === 1) {
    const image = await readPixels(blob, BITMAP_OPTIONS);
    return { image, originalWidth: image.width, originalHeight: image.height, scale: 1 };
  }
  const image = await readPixels(blob, {
    ...BITMAP_OPTIONS,
    resizeWidth: target.width,
    resizeHeight: target.height,
    resizeQuality: 'high',
  });
  return { image, originalWidth: uprightWidth, originalHeight: uprightHeight, scale: target.scale };
}

function downscale(image: RgbaImage, width: number, height: number): Promise<RgbaImage> {
  const { data } = image;
  // ImageData wants a Uint8ClampedArray over a plain ArrayBuffer; view the caller's bytes as one.
  const clamped = new Uint8ClampedArray(data.buffer as ArrayBuffer, data.byteOffset, data.length);
  return readPixels(new ImageData(clamped, image.width, image.height), {
    ...BITMAP_OPTIONS,
    resizeWidth: width,
    resizeHeight: height,
    resizeQuality: 'high',
  });
}

export const browserDecoder: PlatformDecoder = { decode, downscale };
