/**
 * The default evaluation set: scenes from the project's own generator (models/dataset.py), made
 * once into a cache folder and reused. The generator writes the folder atomically, so an
 * interrupted run leaves nothing half-written to be mistaken for a complete set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Debian's python has torch, numpy and Pillow; a venv's `python3` on PATH may not. */
export const PYTHON = process.env.UFO_PYTHON ?? '/usr/bin/python3';

export interface GenerateOptions {
  seed: number;
  count: number;
  /** Where generated sets are kept, one folder per (seed, count). */
  cacheDir: string;
  /** The repository root (where `models/` is), the generator's working directory. */
  root: string;
  split?: string;
  log?: (line: string) => void;
}

/** The folder of the generated set, created first when missing. */
export function ensureGeneratedDataset(o: GenerateOptions): string {
  const out = resolve(o.cacheDir, `val-${o.seed}-${o.count}`);
  if (existsSync(join(out, 'instances.json'))) return out;
  o.log?.(`Generating ${o.count} scenes (seed ${o.seed}) into ${out} …`);
  const args = ['-m', 'models.dataset', '--seed', String(o.seed), '--count', String(o.count), '--out', out, '--split', o.split ?? 'val'];
  const run = spawnSync(PYTHON, args, { cwd: o.root, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  if (run.error) throw new Error(`Could not run ${PYTHON} (set UFO_PYTHON to another interpreter): ${run.error.message}`);
  if (run.status !== 0) {
    throw new Error(`${PYTHON} ${args.join(' ')} failed with status ${run.status}:\n${run.stderr.trim().split('\n').slice(-10).join('\n')}`);
  }
  return out;
}
