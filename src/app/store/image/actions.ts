import { patch, useAppStore } from '../store';
import type { OpenImage } from './state';

let nextKey = 1;

export function openingImage(): void {
  patch('image', { opening: true });
}

/** Shows a newly opened image and returns its key; the previous image's pixels are freed. */
export function imageOpened(image: Omit<OpenImage, 'key'>): number {
  const key = nextKey++;
  useAppStore.getState().image.current?.bitmap.close();
  patch('image', { current: { ...image, key }, opening: false });
  return key;
}

/** Decoding failed: the image on screen (if any) stays. */
export function openFailed(): void {
  patch('image', { opening: false });
}
