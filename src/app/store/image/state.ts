export interface OpenImage {
  /** Unique per opened image, so results and engine handles can tell images apart. */
  key: number;
  name: string;
  /** The original file: the engine decodes it in the worker. */
  file: Blob;
  /** Display pixels (downscaled when large). */
  bitmap: ImageBitmap;
  /** Original size. */
  width: number;
  height: number;
  /** Expressions to suggest (a sample scene's own). */
  suggestions: string[];
}

export interface ImageState {
  current: OpenImage | null;
  /** A file is being decoded. */
  opening: boolean;
}

export const initialImageState = (): ImageState => ({ current: null, opening: false });
