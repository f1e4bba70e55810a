/**
 * Opening an image file on the page: decode it (a clear ImageError when the browser cannot) and
 * downscale large photos for display. The model gets the original bytes; the runtime sizes them.
 */
import { ImageError } from '../../runtime/errors';

/** Longest side shown on screen; larger photos are downscaled, which keeps canvases light. */
export const MAX_DISPLAY_SIDE = 2048;

export interface DecodedImage {
  bitmap: ImageBitmap;
  width: number;
  height: number;
}

export function displaySize(width: number, height: number, max = MAX_DISPLAY_SIDE): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export async function decodeImage(file: Blob, name: string): Promise<DecodedImage> {
  if (file.type && !file.type.startsWith('image/')) {
    throw new ImageError(`"${name}" is not an image (${file.type}). Choose a PNG, JPEG, WebP or GIF file.`, { name, type: file.type });
  }
  let full: ImageBitmap;
  try {
    full = await createImageBitmap(file);
  } catch {
    throw new ImageError(`"${name}" could not be decoded as an image. It may be damaged or in a format this browser cannot open; try a PNG, JPEG, WebP or GIF file.`, { name });
  }
  const { width, height } = full;
  const shown = displaySize(width, height);
  if (shown.width === width) return { bitmap: full, width, height };
  full.close();
  const bitmap = await createImageBitmap(file, { resizeWidth: shown.width, resizeHeight: shown.height, resizeQuality: 'high' });
  return { bitmap, width, height };
}
