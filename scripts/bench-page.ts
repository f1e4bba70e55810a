/**
 * The browser half of the benchmarks, loaded by bench/index.html from the Vite dev server:
 * onnxruntime-web's WebGPU and wasm EPs, the WGSL mask kernels on ORT's device against their CPU
 * twins. scripts/bench.ts calls `window.ufoBench(plan)` through Playwright and gets the results.
 */
import type { Backend } from '../src/runtime/api';
import type { Dtype } from '../src/runtime/config';
import { cpuMasks } from '../src/runtime/engine/masks';
import { gpuMasks } from '../src/runtime/engine/gpu-stages';
import { loadOrt, resolveBackend } from '../src/runtime/engine/ort';
import { decodeImage } from '../src/runtime/image/decode-image';
import { loadPackage, type LoadedPackage } from '../src/runtime/package';
import {
  benchGridDecode, benchImageSizes, benchMasks, benchTasks, type GridDecodeBench, type ImageSizeBench, type MaskBench,
  type MaskCase, type ModelBench, seeded,
} from './bench-suite';

export interface BrowserPlan {
  packageUrl: string;
  imageUrl: string;
  expression: string;
  models: { backend: Extract<Backend, 'webgpu' | 'wasm'>; dtype: Dtype; warmRuns: number; tasks?: string[] }[];
  grid: { backend: Extract<Backend, 'webgpu' | 'wasm'>; points: number[]; alonePoints: number; runs: number }[];
  maskCases: MaskCase[];
  maskRuns: number;
  imageSides: number[];
}

export interface BrowserResults {
  userAgent: string;
  adapter: string | null;
  /** Package download and integrity checks, per dtype (from the dev server, no cache). */
  packageMs: Record<string, number>;
  models: ModelBench[];
  grid: GridDecodeBench[];
  masks: MaskBench[];
  imageSizes: ImageSizeBench[];
}

interface ChromeMemory {
  memory?: { usedJSHeapSize: number; totalJSHeapSize: number };
}

/** Chromium's JS heap (exact with --enable-precise-memory-info, which bench.ts passes). */
function memory(): Record<string, number> {
  const m = (performance as Performance & ChromeMemory).memory;
  return m ? { jsHeapUsed: m.usedJSHeapSize, jsHeapTotal: m.totalJSHeapSize } : {};
}

/** The limits the kernels' large cases need (a 2000x2000 output), as the kernel tests request them. */
async function kernelDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter for the mask kernels');
  return adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
  });
}

async function run(plan: BrowserPlan): Promise<BrowserResults> {
  const log = (line: string) => console.log(line);
  const image = new Uint8Array(await (await fetch(plan.imageUrl)).arrayBuffer());
  const packages = new Map<Dtype, LoadedPackage>();
  const packageMs: Record<string, number> = {};
  const pkg = async (dtype: Dtype) => {
    if (!packages.has(dtype)) {
      const start = performance.now();
      packages.set(dtype, await loadPackage({ kind: 'url', url: plan.packageUrl }, { dtype, cache: null }));
      packageMs[dtype] = performance.now() - start;
    }
    return packages.get(dtype)!;
  };
  const info = await resolveBackend(undefined);
  const models: ModelBench[] = [];
  for (const m of plan.models) {
    log(`model ${m.backend}/${m.dtype}`);
    models.push(await benchTasks(await pkg(m.dtype), { backend: m.backend, image, expression: plan.expression, warmRuns: m.warmRuns, tasks: m.tasks, memory, log }));
  }
  const rgba = (await decodeImage(image)).image;
  const grid: GridDecodeBench[] = [];
  for (const g of plan.grid) {
    log(`grid decoding on ${g.backend}`);
    grid.push(await benchGridDecode(await loadOrt(g.backend), { backend: g.backend }, await pkg('fp32'), rgba, g.points, g.alonePoints, g.runs, log));
  }
  const config = (await pkg('fp32')).config;
  const t = Object.values(config.tasks).find((x) => x.grid !== null)!;
  const p = config.graphs[t.encoder]!.patches!;
  const c = config.model.embedDim;
  const featData = seeded(p * p * c, 7);
  const ort = await loadOrt('wasm');
  log('mask post-processing, CPU twins');
  const masks = await benchMasks('cpu twins', cpuMasks(c, config.mask.tokens), new ort.Tensor('float32', featData, [p * p, c]), p, c, plan.maskCases, plan.maskRuns, log);
  if (info.backend === 'webgpu') {
    // A device of our own: onnxruntime-web may destroy its device with its last session.
    const device = await kernelDevice();
    const buffer = device.createBuffer({ size: featData.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    device.queue.writeBuffer(buffer, 0, featData);
    const feat = ort.Tensor.fromGpuBuffer(buffer, { dataType: 'float32', dims: [p * p, c] });
    log('mask post-processing, WGSL kernels');
    masks.push(...(await benchMasks('wgsl', gpuMasks(device, c, config.mask.tokens), feat, p, c, plan.maskCases, plan.maskRuns, log)));
    buffer.destroy();
    device.destroy();
  }
  log('image sizes');
  const imageSizes = await benchImageSizes(await pkg('fp32'), plan.imageSides, 3, log);
  return { userAgent: navigator.userAgent, adapter: info.adapter ?? null, packageMs, models, grid, masks, imageSizes };
}

declare global {
  interface Window {
    ufoBench: (plan: BrowserPlan) => Promise<BrowserResults>;
  }
}

window.ufoBench = run;
