/**
 * npm run bench [-- --skip-node] [--skip-browser] [--webgpu-tasks]
 *
 * Benchmarks UFO Web in Node (onnxruntime-node) and in headless Chromium (onnxruntime-web's WebGPU
 * EP on SwiftShader and its wasm EP; bench/index.html on the Vite dev server), prints tables and
 * writes bench/results.json. bench/README.md explains the numbers. Iteration counts are small on
 * purpose: WebGPU on SwiftShader is 20-50x slower than wasm, and the whole run should take minutes,
 * so by default WebGPU runs the graphs of one grid request and the mask kernels; --webgpu-tasks
 * adds every task through the engine (its load warms up every task: many minutes on SwiftShader).
 */
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { loadOrt } from '../src/runtime/engine/ort';
import { cpuMasks } from '../src/runtime/engine/masks';
import { decodeImage } from '../src/runtime/image/decode-image';
import { loadPackage } from '../src/runtime/package';
import type { BrowserPlan, BrowserResults } from './bench-page';
import {
  benchGridDecode, benchImageSizes, benchMasks, benchTasks, type GridDecodeBench, type ImageSizeBench, type MaskBench,
  type MaskCase, type ModelBench, seeded,
} from './bench-suite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE = 'public/models/ufo-tiny';
const IMAGE = 'public/samples/scene-06.png';
const EXPRESSION = 'the red circle';
const GRID_POINTS = [10, 25, 100];
/** Instance counts at a 640x480 output, then image sides at 10 instances. */
const MASK_CASES: MaskCase[] = [
  ...[1, 10, 50].map((n) => ({ n, h0: 480, w0: 640 })),
  ...[160, 2000].map((side) => ({ n: 10, h0: side, w0: side })),
];
const IMAGE_SIDES = [160, 640, 2000];

const { values: args } = parseArgs({
  options: { 'skip-node': { type: 'boolean' }, 'skip-browser': { type: 'boolean' }, 'webgpu-tasks': { type: 'boolean' } },
});

interface NodeResults {
  models: ModelBench[];
  grid: GridDecodeBench[];
  masks: MaskBench[];
  imageSizes: ImageSizeBench[];
  packageMs: Record<string, number>;
}

const log = (line: string) => console.log(line);

function nodeMemory(): Record<string, number> {
  const m = process.memoryUsage();
  return { jsHeapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

async function runNode(): Promise<NodeResults> {
  log('Node (onnxruntime-node, cpu)');
  const image = new Uint8Array(readFileSync(resolve(ROOT, IMAGE)));
  const packageMs: Record<string, number> = {};
  const models: ModelBench[] = [];
  const pkgs = [];
  for (const dtype of ['fp32', 'q4'] as const) {
    const start = performance.now();
    const pkg = await loadPackage({ kind: 'path', path: resolve(ROOT, PACKAGE) }, { dtype, cache: null });
    packageMs[dtype] = performance.now() - start;
    pkgs.push(pkg);
    models.push(await benchTasks(pkg, { backend: 'cpu', image, expression: EXPRESSION, warmRuns: 3, memory: nodeMemory, log }));
  }
  const fp32 = pkgs[0]!;
  const ort = await loadOrt('cpu');
  const rgba = (await decodeImage(image)).image;
  const grid = [await benchGridDecode(ort, { backend: 'cpu' }, fp32, rgba, GRID_POINTS, 100, 3, log)];
  const t = Object.values(fp32.config.tasks).find((x) => x.grid !== null)!;
  const p = fp32.config.graphs[t.encoder]!.patches!;
  const c = fp32.config.model.embedDim;
  const feat = new ort.Tensor('float32', seeded(p * p * c, 7), [p * p, c]);
  const masks = await benchMasks('cpu twins', cpuMasks(c, fp32.config.mask.tokens), feat, p, c, MASK_CASES, 3, log);
  const imageSizes = await benchImageSizes(fp32, IMAGE_SIDES, 3, log);
  return { models, grid, masks, imageSizes, packageMs };
}

async function runBrowser(): Promise<BrowserResults> {
  log('Chromium (onnxruntime-web: WebGPU on SwiftShader, wasm)');
  const server = await createServer({ root: ROOT, configFile: resolve(ROOT, 'vite.config.ts'), server: { port: 0, strictPort: false }, logLevel: 'warn' });
  await server.listen();
  const url = server.resolvedUrls!.local[0]!;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => log(`  [chromium] ${m.text()}`));
    page.on('pageerror', (e) => log(`  [chromium] page error: ${e.message}`));
    await page.goto(new URL('bench/index.html', url).href);
    await page.waitForFunction(() => typeof window.ufoBench === 'function', undefined, { timeout: 120_000 });
    const plan: BrowserPlan = {
      packageUrl: new URL('models/ufo-tiny/', url).href,
      imageUrl: new URL(IMAGE.replace(/^public\//, ''), url).href,
      expression: EXPRESSION,
      models: [
        { backend: 'wasm', dtype: 'fp32', warmRuns: 2 },
        { backend: 'wasm', dtype: 'q4', warmRuns: 2 },
        ...(args['webgpu-tasks'] ? [{ backend: 'webgpu' as const, dtype: 'fp32' as const, warmRuns: 1 }] : []),
      ],
      grid: [
        { backend: 'wasm', points: GRID_POINTS, alonePoints: 100, runs: 3 },
        // SwiftShader: a 100-point decode takes about 20 s, so fewer points, each once.
        { backend: 'webgpu', points: [10, 25, 50], alonePoints: 10, runs: 1 },
      ],
      maskCases: MASK_CASES,
      // WGSL on SwiftShader: a 2000x2000 case takes seconds a run.
      maskRuns: 2,
      imageSides: IMAGE_SIDES,
    };
    return await page.evaluate((p) => window.ufoBench(p), plan);
  } finally {
    await browser.close();
    await server.close();
  }
}

// ---------------------------------------------------------------- tables

function table(title: string, rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [`\n${title}`, line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const a = Math.abs(v);
  // Two significant digits below 1, so a ratio of 0.002 does not print as 0.00.
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 || a === 0 ? v.toFixed(2) : v.toPrecision(2);
}

const MB = 1024 * 1024;
const STAGES = ['image', 'text', 'encoder', 'decode', 'masks', 'postprocess', 'total'];

function stageTable(models: ModelBench[]): string {
  const rows: (string | number)[][] = [['backend/dtype task', 'run', 'preproc', ...STAGES]];
  for (const m of models) {
    for (const [name, t] of Object.entries(m.tasks)) {
      rows.push([`${m.backend}/${m.dtype} ${name}`, 'first', '', ...STAGES.map((s) => t.first[s] ?? '')]);
      rows.push(['', `warm x${t.warmRuns}`, t.preprocess, ...STAGES.map((s) => t.warm[s] ?? '')]);
    }
  }
  return table('Per-stage time (ms; preproc = resize+normalise alone, included in encoder)', rows);
}

function loadTable(models: ModelBench[], packageMs: Record<string, number>): string {
  return table('Load and memory (MB)', [
    ['backend/dtype', 'package ms', 'load ms', 'weights', 'heap after load', 'heap after tasks'],
    ...models.map((m) => [
      `${m.backend}/${m.dtype}`, packageMs[m.dtype] ?? NaN, m.loadMs, m.weightBytes / MB,
      (m.memory.afterLoad.jsHeapUsed ?? NaN) / MB, (m.memory.afterTasks.jsHeapUsed ?? NaN) / MB,
    ]),
  ]);
}

function gridTable(grid: GridDecodeBench[]): string {
  const enc = table('One grid request, graph by graph (ms; tensors a WebGPU session keeps on the GPU, MB)', [
    ['backend', 'text enc', 'encoder first', 'encoder warm', 'decode points', 'decode ms', 'tensors MB'],
    ...grid.map((g) => [
      g.backend, g.encoderMs.text, g.encoderMs.first, g.encoderMs.warm, String(g.rows.at(-1)!.points), g.rows.at(-1)!.batchedMs,
      (Object.values(g.tensorBytes).reduce((a, b) => a + b, 0) + Math.max(...g.rows.map((r) => r.peakCacheBytes)) * 2) / MB,
    ]),
  ]);
  const rows: (string | number)[][] = [['backend', 'points', 'steps', 'batched ms', 'one-by-one ms', 'ratio', 'peak KV MB']];
  for (const g of grid) {
    for (const r of g.rows) rows.push([g.backend, String(r.points), String(r.steps), r.batchedMs, r.aloneMs ?? NaN, (r.aloneMs ?? NaN) / r.batchedMs, r.peakCacheBytes / MB]);
  }
  return enc + table(`Grid decoding: batched vs one by one (${grid.map((g) => `${g.backend} tokens ${g.identical ? 'identical' : 'DIFFER'}`).join(', ')})`, rows);
}

function maskTable(masks: MaskBench[]): string {
  const rows: (string | number)[][] = [['backend', 'N', 'size', 'masks ms', 'semantic ms', 'unpack ms', 'working MB', 'output MB']];
  for (const m of masks) rows.push([m.backend, String(m.n), `${m.w0}x${m.h0}`, m.masksMs, m.semanticMs, m.unpackMs, m.workingBytes / MB, m.outputBytes / MB]);
  return table('Mask post-processing (synthetic features; median of 3 runs in Node, 2 in Chromium)', rows);
}

function imageTable(sizes: ImageSizeBench[], where: string): string {
  const keys = Object.keys(sizes[0]?.preprocessMs ?? {});
  return table(`Image size (${where}; ms)`, [
    ['side px', 'addImage', ...keys.map((k) => `to ${k}`), 'RGBA MB'],
    ...sizes.map((s) => [String(s.side), s.imageMs, ...keys.map((k) => s.preprocessMs[k]!), s.rgbaBytes / MB]),
  ]);
}

interface Ratio {
  what: string;
  ratio: number;
  detail: string;
}

/** Ratios from numbers of the same run: > 1 means the first-named variant is faster. */
function ratios(node: NodeResults | null, browser: BrowserResults | null): Ratio[] {
  const out: Ratio[] = [];
  const warm = (ms: ModelBench[], backend: string, dtype: string, task: string) => ms.find((m) => m.backend === backend && m.dtype === dtype)?.tasks[task]?.warm.total;
  for (const g of [...(node?.grid ?? []), ...(browser?.grid ?? [])]) {
    const r = [...g.rows].reverse().find((x) => x.aloneMs !== null);
    if (r) out.push({ what: `grid batched vs one by one, ${g.backend}`, ratio: r.aloneMs! / r.batchedMs, detail: `${r.points} points: ${fmt(r.aloneMs!)} / ${fmt(r.batchedMs)} ms` });
  }
  const masks = browser?.masks ?? [];
  for (const gpu of masks.filter((m) => m.backend === 'wgsl')) {
    const cpu = masks.find((m) => m.backend !== 'wgsl' && m.n === gpu.n && m.h0 === gpu.h0 && m.w0 === gpu.w0);
    if (cpu) out.push({ what: `WGSL vs CPU twin masks, N=${gpu.n} ${gpu.w0}x${gpu.h0}`, ratio: cpu.masksMs / gpu.masksMs, detail: `${fmt(cpu.masksMs)} / ${fmt(gpu.masksMs)} ms` });
  }
  const grids = browser?.grid ?? [];
  const gpuGrid = grids.find((g) => g.backend === 'webgpu');
  const wasmGrid = grids.find((g) => g.backend === 'wasm');
  if (gpuGrid && wasmGrid) {
    out.push({ what: 'WebGPU vs wasm EP, grid encoder', ratio: wasmGrid.encoderMs.warm / gpuGrid.encoderMs.warm, detail: `${fmt(wasmGrid.encoderMs.warm)} / ${fmt(gpuGrid.encoderMs.warm)} ms` });
    for (const r of gpuGrid.rows) {
      const w = wasmGrid.rows.find((x) => x.points === r.points);
      if (w) out.push({ what: `WebGPU vs wasm EP, grid decode ${r.points} points`, ratio: w.batchedMs / r.batchedMs, detail: `${fmt(w.batchedMs)} / ${fmt(r.batchedMs)} ms` });
    }
  }
  const all = [...(node?.models ?? []), ...(browser?.models ?? [])];
  for (const task of Object.keys(all[0]?.tasks ?? {})) {
    const gpu = warm(all, 'webgpu', 'fp32', task);
    const wasm = warm(all, 'wasm', 'fp32', task);
    if (gpu && wasm) out.push({ what: `WebGPU vs wasm EP, ${task}`, ratio: wasm / gpu, detail: `${fmt(wasm)} / ${fmt(gpu)} ms` });
  }
  for (const backend of ['cpu', 'wasm', 'webgpu']) {
    for (const task of Object.keys(all[0]?.tasks ?? {})) {
      const f = warm(all, backend, 'fp32', task);
      const q = warm(all, backend, 'q4', task);
      if (f && q) out.push({ what: `q4 vs fp32, ${backend} ${task}`, ratio: f / q, detail: `${fmt(f)} / ${fmt(q)} ms` });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const start = performance.now();
  const node = args['skip-node'] ? null : await runNode();
  let browser: BrowserResults | null = null;
  let browserError: string | null = null;
  if (!args['skip-browser']) {
    try {
      browser = await runBrowser();
    } catch (err) {
      // The Node numbers are still worth writing when Chromium is missing or WebGPU fails.
      browserError = (err as Error).message;
      log(`Chromium part failed: ${browserError}`);
    }
  }
  const out: string[] = [];
  if (node) {
    out.push('=== Node (onnxruntime-node) ===', loadTable(node.models, node.packageMs), stageTable(node.models), gridTable(node.grid), maskTable(node.masks), imageTable(node.imageSizes, 'Node'));
  }
  if (browser) {
    out.push(`\n=== Chromium (${browser.adapter ?? 'no WebGPU adapter'}) ===`, loadTable(browser.models, browser.packageMs), stageTable(browser.models), gridTable(browser.grid), maskTable(browser.masks), imageTable(browser.imageSizes, 'Chromium'));
  }
  const r = ratios(node, browser);
  out.push(table('Ratios (> 1: the first-named variant is faster)', [['comparison', 'ratio', 'detail'], ...r.map((x) => [x.what, x.ratio, x.detail])]));
  console.log(out.join('\n'));
  const seconds = (performance.now() - start) / 1000;
  const results = {
    date: new Date().toISOString(),
    seconds,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', node: process.version },
    node,
    browser,
    browserError,
    ratios: r,
  };
  mkdirSync(resolve(ROOT, 'bench'), { recursive: true });
  writeFileSync(resolve(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(`\nbench/results.json written; ${seconds.toFixed(0)} s in all`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
