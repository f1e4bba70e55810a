// Seeded randomness for the property tests, so a failure replays exactly. Not part of the library.

/** xorshift32 (Marsaglia 2003): a tiny generator, plenty for test inputs. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9; // the all-zero state would stay zero forever
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Integer in [lo, hi]. */
export function randomInt(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** Row-major 0/1 mask where each pixel is 1 with probability `density`. */
export function randomMask(random: () => number, h: number, w: number, density: number): Uint8Array {
  return Uint8Array.from({ length: h * w }, () => (random() < density ? 1 : 0));
}
