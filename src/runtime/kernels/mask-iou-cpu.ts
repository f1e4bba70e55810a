/**
 * CPU twin of maskIntersections (mask-iou.ts): pairwise intersections of packed binary masks,
 * for Matrix NMS (spec §5.1 step 10). Kept apart from the GPU host so it loads in plain Node,
 * without Vite's `?raw` WGSL import.
 */
import { checkInt, checkLength } from './gpu-kernel';

/** Set bits of a 32-bit word (SWAR popcount, the CPU counterpart of WGSL countOneBits). */
function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** CPU twin of maskIntersections on one chunk of (N, wordsPerMask) packed words. */
export function maskIntersectionsCpu(bits: Uint32Array, n: number, wordsPerMask: number): Uint32Array {
  checkInt('n', n, 0);
  checkInt('wordsPerMask', wordsPerMask, 0);
  checkLength('bits', bits, n * wordsPerMask);
  const inter = new Uint32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let count = 0;
      for (let w = 0; w < wordsPerMask; w++) {
        count += popcount(bits[i * wordsPerMask + w]! & bits[j * wordsPerMask + w]!);
      }
      inter[i * n + j] = count;
      inter[j * n + i] = count;
    }
  }
  return inter;
}
