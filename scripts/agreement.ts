/**
 * How closely a package's smaller dtypes agree with its fp32 weights, task by task, on the sample
 * scenes (public/samples). Prints a Markdown table for the model card.
 *
 *   npx tsx scripts/agreement.ts public/models/ufo-tiny
 */
import { readFileSync } from 'node:fs';
import type { Box, Mask, UfoModel } from '../src/runtime/api';
import { DTYPES, type Dtype } from '../src/runtime/config';
import { createModel } from '../src/runtime/engine';
import { loadPackage } from '../src/runtime/package';

interface Sample {
  file: string;
  expressions: string[];
}

const dir = process.argv[2] ?? 'public/models/ufo-tiny';
const samples = JSON.parse(readFileSync('public/samples/samples.json', 'utf8')) as Sample[];

function boxIou(a: Box | null, b: Box | null): number {
  if (!a || !b) return a === b ? 1 : 0;
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - w * h;
  return union > 0 ? (w * h) / union : 1;
}

function maskIou(a: Mask | null, b: Mask | null): number {
  if (!a || !b) return a === b ? 1 : 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.data.length; i++) {
    inter += a.data[i]! & b.data[i]!;
    union += a.data[i]! | b.data[i]!;
  }
  return union ? inter / union : 1;
}

type Row = { same: number; n: number; geo: number[] };
const mean = (xs: number[]): string => (xs.length ? (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3) : '–');

async function compare(ref: UfoModel, other: UfoModel): Promise<Record<string, Row>> {
  const rows: Record<string, Row> = {};
  const add = (task: string, same: boolean, geo?: number): void => {
    const r = (rows[task] ??= { same: 0, n: 0, geo: [] });
    r.n++;
    if (same) r.same++;
    if (geo !== undefined) r.geo.push(geo);
  };
  for (const s of samples) {
    const bytes = new Uint8Array(readFileSync(`public/samples/${s.file}`));
    const [a, b] = [await ref.addImage(bytes), await other.addImage(bytes)];
    for (const expr of s.expressions.slice(0, 2)) {
      const [x, y] = [await ref.refer(a, expr), await other.refer(b, expr)];
      add('referring (tokens, mask IoU)', x.tokens.join() === y.tokens.join(), maskIou(x.mask, y.mask));
      add('referring box (same bins, box IoU)', x.tokens.slice(0, 7).join() === y.tokens.slice(0, 7).join(), boxIou(x.box, y.box));
    }
    const [d1, d2] = [await ref.detect(a), await other.detect(b)];
    add('detection (same labels)', d1.detections.map((d) => d.label).join() === d2.detections.map((d) => d.label).join());
    const [i1, i2] = [await ref.segmentInstances(a), await other.segmentInstances(b)];
    add('instances (same labels, mask IoU of the first)', i1.detections.map((d) => d.label).join() === i2.detections.map((d) => d.label).join(),
      maskIou(i1.detections[0]?.mask ?? null, i2.detections[0]?.mask ?? null));
    const [m1, m2] = [await ref.segmentSemantic(a), await other.segmentSemantic(b)];
    let same = 0;
    m1.labels.forEach((l, i) => (same += l === m2.labels[i] ? 1 : 0));
    add('semantic (pixel agreement)', same === m1.labels.length, same / m1.labels.length);
    const [c1, c2] = [await ref.caption(a), await other.caption(b)];
    add('caption (same text)', c1.text === c2.text);
  }
  return rows;
}

const config = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8')) as { dtypes: Record<string, unknown> };
const others = DTYPES.filter((d): d is Dtype => d !== 'fp32' && d in config.dtypes);
const load = async (dtype: Dtype): Promise<UfoModel> => createModel(await loadPackage({ kind: 'path', path: dir }, { dtype, cache: null }));
const ref = await load('fp32');
for (const dtype of others) {
  const rows = await compare(ref, await load(dtype));
  console.log(`\n${dtype} vs fp32 on ${samples.length} sample scenes:\n`);
  console.log('| task | identical answers | mean overlap |\n| --- | --- | --- |');
  for (const [task, r] of Object.entries(rows)) console.log(`| ${task} | ${r.same}/${r.n} | ${mean(r.geo)} |`);
}
