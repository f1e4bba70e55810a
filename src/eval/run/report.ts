/** The evaluation report: what was measured on what, as JSON, and the table the CLI prints. */
import { COCO_STAT_NAMES } from '../coco-types';
import type { EvalResult, SentenceMode, TaskMetrics } from './evaluate';

export interface EvalReport extends Omit<EvalResult, 'tasks'> {
  model: { name: string; source: string; dtype: string; backend: string };
  data: { name: string; dir: string; images: number; refs: number; sentences: number; mode: SentenceMode };
  tasks: EvalResult['tasks'];
  date: string;
}

/** JSON with NaN (an undefined metric, e.g. cIoU with no foreground at all) written as null. */
export function reportJson(report: EvalReport): string {
  return JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2) + '\n';
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
/** COCO marks a setting with no ground truth (say, no small objects) with -1. */
const fmtCoco = (v: number): string => (v < 0 ? 'n/a' : v.toFixed(3));

function metricCells(m: TaskMetrics): [string, string][] {
  switch (m.kind) {
    case 'refer-box':
      return [['Acc@0.5', fmt(m.accuracy)], ['mean IoU', fmt(m.meanIou)], ['expressions', String(m.count)]];
    case 'refer-mask':
      return [['cIoU', fmt(m.cIoU)], ['gIoU', fmt(m.gIoU)], ['expressions', String(m.count)]];
    case 'grid-box':
    case 'grid-mask':
      return [...COCO_STAT_NAMES.map((k): [string, string] => [k, fmtCoco(m.stats[k])]), ['detections', String(m.detections)]];
    case 'grid-semantic':
      return [['mIoU', fmt(m.mIoU)], ['mAcc', fmt(m.mAcc)], ['aAcc', fmt(m.aAcc)], ...m.perClass.map((c): [string, string] => [`IoU ${c.name}`, fmt(c.iou)])];
    case 'caption':
      return [['captions', String(m.count)]];
  }
}

/** A plain-text table: task, metric, value, and the task's mean time per call. */
export function formatTable(report: EvalReport): string {
  const rows: string[][] = [['task', 'metric', 'value', 'ms/call']];
  for (const [name, m] of Object.entries(report.metrics)) {
    const ms = report.timings[name]?.meanMs;
    metricCells(m).forEach(([metric, value], i) => rows.push([i === 0 ? name : '', metric, value, i === 0 && ms !== undefined ? ms.toFixed(0) : '']));
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Caption examples, prediction against reference. */
export function formatCaptions(report: EvalReport): string {
  const out: string[] = [];
  for (const [name, m] of Object.entries(report.metrics)) {
    if (m.kind !== 'caption') continue;
    for (const e of m.examples) out.push(`${name} ${e.image}\n  model:     ${e.prediction}\n  reference: ${e.references[0] ?? ''}`);
  }
  return out.join('\n');
}
