/**
 * One shape for every mode's result, so the canvas, the result list and the exporter each handle
 * a single kind of thing: items (a label, maybe a score, a box and a mask) plus the text answers.
 */
import type { Box, CaptionResult, DetectionsResult, Mask, ReferResult, SemanticResult, StageTimings } from '../../runtime/api';
import { colorFor, type Rgb } from './colors';
import type { Mode } from './modes';

export interface ResultItem {
  id: string;
  label: string;
  /** null where the model gives none (a referred object, a semantic class). */
  score: number | null;
  box: Box | null;
  mask: Mask | null;
  color: Rgb;
  /** Semantic classes: the share of the image's pixels (0..1). */
  share?: number;
}

export interface ResultView {
  mode: Mode;
  /** The image (by its key in the image slice) and size the result belongs to. */
  imageKey: number;
  width: number;
  height: number;
  items: ResultItem[];
  /** Refer: the expression as the model read it. */
  expression: string | null;
  /** Caption: the sentence; Refer: the model's raw answer. */
  text: string | null;
  timings: StageTimings;
}

interface ImageRef {
  key: number;
  width: number;
  height: number;
}

const base = (mode: Mode, image: ImageRef, timings: StageTimings): ResultView => ({
  mode, imageKey: image.key, width: image.width, height: image.height, items: [], expression: null, text: null, timings,
});

export function referView(r: ReferResult, image: ImageRef): ResultView {
  const found = r.box !== null || r.mask !== null;
  return {
    ...base('refer', image, r.timings),
    expression: r.expression,
    text: r.text,
    items: found ? [{ id: 'r0', label: r.expression, score: null, box: r.box, mask: r.mask, color: colorFor(0) }] : [],
  };
}

export function detectionsView(mode: 'detect' | 'instances', r: DetectionsResult, image: ImageRef): ResultView {
  // Highest score first, so the list reads best-first and the threshold trims its tail.
  const sorted = [...r.detections].sort((a, b) => b.score - a.score);
  return {
    ...base(mode, image, r.timings),
    items: sorted.map((d, i) => ({ id: `d${i}`, label: d.label, score: d.score, box: d.box, mask: d.mask, color: colorFor(i) })),
  };
}

/** One item per class present (background excluded), with its pixels as a mask. */
export function semanticView(r: SemanticResult, image: ImageRef): ResultView {
  const items: ResultItem[] = r.present
    .filter((p) => p.name !== 'background')
    .sort((a, b) => b.share - a.share)
    .map((p, i) => {
      const data = new Uint8Array(r.width * r.height);
      for (let j = 0; j < data.length; j++) data[j] = r.labels[j] === p.index ? 1 : 0;
      return { id: `s${p.index}`, label: p.name, score: null, box: null, mask: { width: r.width, height: r.height, data }, color: colorFor(i), share: p.share };
    });
  return { ...base('semantic', image, r.timings), items };
}

export function captionView(r: CaptionResult, image: ImageRef): ResultView {
  return { ...base('caption', image, r.timings), text: r.text };
}
