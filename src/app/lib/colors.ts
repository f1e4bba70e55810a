/**
 * Result colours: saturated, far apart in hue, and each readable under white label text, so
 * neighbouring masks stay distinguishable. Past the list, colours repeat; results are few.
 */
export type Rgb = readonly [number, number, number];

const PALETTE: readonly Rgb[] = [
  [230, 25, 75],
  [0, 130, 200],
  [60, 150, 40],
  [145, 30, 180],
  [245, 110, 20],
  [0, 128, 128],
  [200, 40, 200],
  [128, 90, 0],
  [70, 70, 220],
  [170, 20, 20],
  [0, 100, 60],
  [110, 110, 110],
];

export function colorFor(index: number): Rgb {
  return PALETTE[index % PALETTE.length]!;
}

export function cssColor([r, g, b]: Rgb, alpha = 1): string {
  return alpha === 1 ? `rgb(${r} ${g} ${b})` : `rgb(${r} ${g} ${b} / ${alpha})`;
}
