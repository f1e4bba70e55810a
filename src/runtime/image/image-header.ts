/**
 * Format and size of an encoded image from its first bytes, without decoding it. decodeImage needs
 * them before decoding: to refuse non-images with a plain message, to refuse 0x0 images, and to
 * ask the decoder for a downscaled bitmap when the image is huge (a 20000x20000 image must never be
 * decoded at full size into RGBA).
 */

export const IMAGE_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'bmp'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

export interface ImageHeader {
  format: ImageFormat;
  /** Stored size, before any EXIF orientation. */
  width: number;
  height: number;
  /**
   * True when EXIF orientation 5-8 turns the image a quarter (displayed width = stored height).
   * Read for JPEG only, the format that carries it in practice; other formats report false.
   */
  swapsAxes: boolean;
}

/** Bytes to read: enough for every header above, and for a JPEG's Exif block before its SOF. */
export const HEADER_BYTES = 256 * 1024;

const ascii = (b: Uint8Array, at: number, text: string): boolean =>
  b.length >= at + text.length && [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** The header of `bytes`, or null when no supported format's signature matches. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = (format: ImageFormat, width: number, height: number, swapsAxes = false): ImageHeader => ({
    format,
    width,
    height,
    swapsAxes,
  });
  if (ascii(bytes, 0, '\x89PNG\r\n\x1a\n') && bytes.length >= 24) {
    return size('png', view.getUint32(16), view.getUint32(20));
  }
  if (ascii(bytes, 0, 'GIF8') && bytes.length >= 10) {
    return size('gif', view.getUint16(6, true), view.getUint16(8, true));
  }
  if (ascii(bytes, 0, 'BM') && bytes.length >= 26) {
    // A negative height means rows are stored top-down.
    return size('bmp', Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
  }
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP') && bytes.length >= 30) {
    if (ascii(bytes, 12, 'VP8X')) return size('webp', 1 + (view.getUint32(24, true) & 0xffffff), 1 + (view.getUint32(27, true) & 0xffffff));
    if (ascii(bytes, 12, 'VP8L')) {
      const bits = view.getUint32(21, true);
      return size('webp', 1 + (bits & 0x3fff), 1 + ((bits >>> 14) & 0x3fff));
    }
    if (ascii(bytes, 12, 'VP8 ')) return size('webp', view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
    return null;
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpeg(bytes, view);
  return null;
}

/** Walks the JPEG segments up to the first SOF (frame size), noting the Exif orientation on the way. */
function readJpeg(bytes: Uint8Array, view: DataView): ImageHeader | null {
  let swapsAxes = false;
  let at = 2;
  while (at + 9 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = view.getUint16(at + 2);
    // SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', width: view.getUint16(at + 7), height: view.getUint16(at + 5), swapsAxes };
    }
    if (marker === 0xe1 && ascii(bytes, at + 4, 'Exif\0\0')) {
      swapsAxes = exifOrientation(view, at + 10, Math.min(at + 2 + length, bytes.length)) >= 5;
    }
    at += 2 + length;
  }
  return null;
}

/** Orientation tag (0x0112) of IFD0 in the TIFF block at [start, end), or 1 when absent. */
function exifOrientation(view: DataView, start: number, end: number): number {
  if (start + 8 > end) return 1;
  const little = view.getUint16(start) === 0x4949; // 'II'
  const ifd = start + view.getUint32(start + 4, little);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count && ifd + 2 + 12 * (i + 1) <= end; i++) {
    const entry = ifd + 2 + 12 * i;
    if (view.getUint16(entry, little) === 0x0112) return view.getUint16(entry + 8, little);
  }
  return 1;
}
