/**
 * Decoding in Node with sharp, the library @huggingface/transformers' RawImage decodes with there
 * (it is installed with transformers.js). RawImage itself is not used: RawImage.fromBlob decodes
 * at full size, and sharp's default pixel limit (2^28) refuses a 20000x20000 image outright, so
 * there is no way through RawImage to downscale while decoding. RawImage does apply EXIF
 * orientation (its loader calls sharp's rotate()); here sharp's `autoOrient` does the same.
 */
import type { Sharp, SharpOptions } from 'sharp';
import type { RgbaImage } from '../api';
import { type DecodedImage, MAX_INPUT_PIXELS, type PlatformDecoder, workingSize } from './decode-image';
import type { ImageHeader } from './image-header';

type SharpFactory = (input?: Uint8Array, options?: SharpOptions) => Sharp;

// A variable specifier: bundlers do not follow it, so the browser bundle never contains sharp.
const SHARP = 'sharp';
let sharpModule: Promise<SharpFactory> | undefined;

function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= import(/* @vite-ignore */ SHARP).then(
    (module: { default: SharpFactory }) => module.default,
    (err: unknown) => {
      sharpModule = undefined; // let a later call retry
      throw new Error(`Decoding images in Node needs the sharp package (a dependency of @huggingface/transformers): ${String(err)}`);
    },
  );
  return sharpModule;
}

/** RGBA bytes of a sharp pipeline whose output is already sRGB with alpha. */
async function toRgba(pipeline: Sharp): Promise<RgbaImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

/**
 * The header was sniffed already; sharp's metadata (read from the header only) gives the upright
 * size for any format with EXIF, then one pipeline decodes, orients and, when needed, downscales:
 * libvips shrinks while it decodes (JPEG at load, PNG row by row), so the full-size image is never
 * held as RGBA.
 */
async function decode(source: Blob | Uint8Array, _header: ImageHeader, maxSide: number): Promise<DecodedImage> {
  const sharp = await loadSharp();
  const bytes = source instanceof Uint8Array ? source : new Uint8Array(await source.arrayBuffer());
  const options: SharpOptions = { limitInputPixels: MAX_INPUT_PIXELS, autoOrient: true };
  const { autoOrient } = await sharp(bytes, options).metadata();
  const target = workingSize(autoOrient.width, autoOrient.height, maxSide);
  let pipeline = sharp(bytes, options);
  if (target.scale < 1) pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
  // Any colour model (grey, CMYK, palette) becomes sRGB, plus opaque alpha where there is none.
  const image = await toRgba(pipeline.toColourspace('srgb').ensureAlpha());
  return { image, originalWidth: autoOrient.width, originalHeight: autoOrient.height, scale: target.scale };
}

async function downscale(image: RgbaImage, width: number, height: number): Promise<RgbaImage> {
  const sharp = await loadSharp();
  const raw = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
  // Already RGBA: no colour conversion (libvips would take 4 raw bands for CMYK).
  const pipeline = sharp(raw, { raw: { width: image.width, height: image.height, channels: 4 } });
  return toRgba(pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
}

export const nodeDecoder: PlatformDecoder = { decode, downscale };
