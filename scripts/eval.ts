/**
 * npm run eval -- [--model DIR] [--data DIR] [--dtype fp32|q4] [--tasks a,b] [--limit N]
 *                 [--sentences all|one] [--report FILE] [--seed S --count N]
 *
 * Evaluates a model package in Node (onnxruntime-node) on a COCO/RefCOCO-style set as
 * `python -m models.dataset` writes it; without --data, a generated validation set is made once
 * into .cache/. Prints progress and a table, writes a JSON report (src/eval/run/report.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { limitDataset, readDataset } from '../src/eval/run/dataset';
import { evaluate, SENTENCE_MODES, type SentenceMode } from '../src/eval/run/evaluate';
import { ensureGeneratedDataset } from '../src/eval/run/generate';
import { type EvalReport, formatCaptions, formatTable, reportJson } from '../src/eval/run/report';
import { DTYPES, type Dtype } from '../src/runtime/config';
import { createModel } from '../src/runtime/engine';
import { loadPackage } from '../src/runtime/package';

const ROOT = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'public/models/ufo-tiny' },
    data: { type: 'string' },
    dtype: { type: 'string', default: 'fp32' },
    tasks: { type: 'string' },
    limit: { type: 'string' },
    sentences: { type: 'string', default: 'all' },
    report: { type: 'string' },
    seed: { type: 'string', default: '777' },
    count: { type: 'string', default: '100' },
  },
  strict: true,
});

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function choice<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new RangeError(`--${name} must be one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

async function main(): Promise<void> {
  const dtype = choice<Dtype>('dtype', args.dtype, DTYPES);
  const mode = choice<SentenceMode>('sentences', args.sentences, SENTENCE_MODES);
  const limit = args.limit === undefined ? undefined : positiveInt('limit', args.limit);
  const dataDir = args.data
    ? resolve(args.data)
    : ensureGeneratedDataset({
        seed: Number(args.seed), count: positiveInt('count', args.count), cacheDir: resolve(ROOT, '.cache'), root: ROOT, log: console.log,
      });
  const data = limitDataset(await readDataset(dataDir), limit);
  const modelDir = resolve(args.model);

  const loadStart = performance.now();
  const pkg = await loadPackage({ kind: 'path', path: modelDir }, { dtype, cache: null });
  const model = await createModel(pkg);
  console.log(`${pkg.config.name} (${dtype}, ${model.backend.backend}) loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  console.log(`${data.name}: ${data.instances.images.length} images, ${data.instances.annotations.length} objects, ${data.refs.length} refs`);

  try {
    const result = await evaluate(model, data, {
      tasks: args.tasks?.split(',').map((t) => t.trim()).filter(Boolean),
      sentences: mode,
      onProgress: ({ done, total, image, elapsedMs }) => {
        const left = (elapsedMs / done) * (total - done);
        console.log(`[${String(done).padStart(String(total).length)}/${total}] ${image}  ${(elapsedMs / done / 1000).toFixed(1)} s/image, ~${Math.ceil(left / 1000)} s left`);
      },
    });
    const { predictions: _predictions, ...rest } = result;
    const report: EvalReport = {
      ...rest,
      model: { name: pkg.config.name, source: args.model, dtype, backend: model.backend.backend },
      data: { name: data.name, dir: dataDir, images: data.instances.images.length, refs: data.refs.length, sentences: result.sentences, mode },
      date: new Date().toISOString(),
    };
    const path = resolve(args.report ?? `.cache/eval-${basename(modelDir)}-${dtype}-${data.name}${limit ? `-limit${limit}` : ''}.json`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, reportJson(report));
    console.log(`\n${formatTable(report)}\n`);
    const captions = formatCaptions(report);
    if (captions) console.log(`${captions}\n`);
    console.log(`${report.images} images, ${report.data.sentences} expressions in ${report.seconds.toFixed(0)} s; report: ${path}`);
  } finally {
    await model.dispose();
  }
}

main().catch((err: unknown) => {
  // A bad option or data folder needs its message only; anything else, its stack too.
  console.error(err instanceof RangeError ? err.message : err);
  process.exitCode = 1;
});
