/**
 * Image input for the runtime: encoded bytes or pixels in, an upright RGBA working copy out, never
 * larger than `maxSide` on its longer side.
 *
 * The format is sniffed here first (image-header.ts), so a non-image gets a plain message whatever
 * the platform, a 0x0 image is refused, and a huge image is downscaled while it is decoded, never
 * held at full size as RGBA. The platform then decodes:
 * - browser and Web Worker (decode-browser.ts): createImageBitmap with EXIF orientation, then an
 *   OffscreenCanvas to read the pixels;
 * - Node (decode-node.ts): sharp, the decoder @huggingface/transformers' RawImage uses there, loaded
 *   on demand so the browser bundle never pulls it in.
 * No state survives a call except the loaded decoder module, so a failed call leaves the next one
 * unaffected.
 */
import type { RgbaImage } from '../api';
import { ImageError, UfoError, throwIfAborted } from '../errors';
import { checkInt } from '../kernels/gpu-kernel';
import { HEADER_BYTES, type ImageHeader, readImageHeader } from './image-header';
import { checkRgbaImage } from './rgba';

export interface DecodedImage {
  /** The working copy: upright (EXIF applied), RGBA, at most maxSide on its longer side. */
  image: RgbaImage;
  /** Upright size of the original image; boxes and masks map back to it. */
  originalWidth: number;
  originalHeight: number;
  /** Working / original size on the longer side, <= 1. */
  scale: number;
}

export interface DecodeOptions {
  /** Longer side of the working copy; larger images are downscaled. Default DEFAULT_MAX_SIDE. */
  maxSide?: number;
  signal?: AbortSignal;
}

/** Far above every model input (1120 px) while keeping the working copy at 64 MiB of RGBA. */
export const DEFAULT_MAX_SIDE = 4096;

/**
 * Images with more pixels are refused before decoding (2^30, a 32768x32768 image): guards against
 * decompression bombs, and is the pixel limit handed to sharp in place of its default 2^28.
 */
export const MAX_INPUT_PIXELS = 2 ** 30;

export const NOT_AN_IMAGE = 'The file is not an image PNG, JPEG, WebP, GIF or BMP can decode.';

/** What a platform decoder offers decodeImage. */
export interface PlatformDecoder {
  /** Decodes an image whose header was read; its longer side comes out at most maxSide. */
  decode(source: Blob | Uint8Array, header: ImageHeader, maxSide: number): Promise<DecodedImage>;
  /** Resamples pixels to a smaller size (high-quality, antialiased). */
  downscale(image: RgbaImage, width: number, height: number): Promise<RgbaImage>;
}

/** The working size of a width x height image: the longer side becomes at most maxSide. */
export function workingSize(width: number, height: number, maxSide: number): { width: number; height: number; scale: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  if (scale === 1) return { width, height, scale };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale };
}

function isRgbaImage(input: unknown): input is RgbaImage {
  return typeof input === 'object' && input !== null && 'data' in input && 'width' in input && 'height' in input;
}

async function platformDecoder(): Promise<PlatformDecoder> {
  if (typeof createImageBitmap === 'function' && typeof OffscreenCanvas === 'function') {
    return (await import('./decode-browser')).browserDecoder;
  }
  return (await import('./decode-node')).nodeDecoder;
}

export async function decodeImage(
  input: Blob | ArrayBuffer | Uint8Array | RgbaImage,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const { maxSide = DEFAULT_MAX_SIDE, signal } = options;
  checkInt('maxSide', maxSide, 1);
  throwIfAborted(signal, 'Decoding the image');
  const decoder = await platformDecoder();

  if (isRgbaImage(input)) {
    checkRgbaImage(input);
    const { width, height, scale } = workingSize(input.width, input.height, maxSide);
    // A copy either way: the caller keeps ownership of its buffer.
    const image =
      scale === 1 ? { width, height, data: new Uint8ClampedArray(input.data) } : await decoder.downscale(input, width, height);
    throwIfAborted(signal, 'Decoding the image');
    return { image, originalWidth: input.width, originalHeight: input.height, scale };
  }

  const source = input instanceof Blob ? input : input instanceof Uint8Array ? input : new Uint8Array(input);
  const head = source instanceof Blob ? new Uint8Array(await source.slice(0, HEADER_BYTES).arrayBuffer()) : source;
  const header = readImageHeader(head);
  if (header === null) throw new ImageError(NOT_AN_IMAGE, { bytes: source instanceof Blob ? source.size : source.length });
  const { format, width, height } = header;
  if (width === 0 || height === 0) throw new ImageError(`The ${format.toUpperCase()} image is ${width}x${height}: it has no pixels.`, { format, width, height });
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageError(
      `The image is ${width}x${height}, over the ${MAX_INPUT_PIXELS / 2 ** 20} megapixels this app can open. Shrink it first.`,
      { format, width, height },
    );
  }
  throwIfAborted(signal, 'Decoding the image');
  let decoded: DecodedImage;
  try {
    decoded = await decoder.decode(source, header, maxSide);
  } catch (err) {
    if (err instanceof UfoError) throw err;
    throw new ImageError(`The ${format.toUpperCase()} file could not be decoded: it is damaged or incomplete.`, {
      format,
      cause: err instanceof Error ? err.message : String(err),
    });
  }
  throwIfAborted(signal, 'Decoding the image');
  return decoded;
}
