/**
 * A ViT-B-sized random checkpoint (the official shapes, a 30522-word stand-in vocabulary) is
 * exported by the Python exporter and its grounding graphs (224 px) run here in Node, matching
 * the PyTorch oracle token for token.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { UfoModel } from '../api';
import { loadPackage } from '../package';
import { expectGoldenCase, readGolden } from './golden-checks';
import type { Golden } from './golden-fixtures';
import { createModel } from '.';

const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

describe('ViT-B grounding graphs in Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ufo-vit-b-'));
  let golden: Golden;
  let model: UfoModel;

  beforeAll(async () => {
    execFileSync(PYTHON, ['-m', 'models.golden', '--preset', 'ufo-vit-b', '--random-seed', '0', '--bert-like-vocab',
      '--tasks', 'grounding', '--scenes', '1', '--out', dir], { stdio: 'inherit', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
    golden = readGolden(dir);
    const pkg = await loadPackage({ kind: 'path', path: join(dir, 'package') }, { dtype: 'fp32', cache: null });
    expect(pkg.config.model.embedDim).toBe(768);
    expect(pkg.config.model.depth).toBe(18);
    model = await createModel(pkg);
  }, 600_000);

  afterAll(async () => {
    await model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tokens and box match the oracle', async () => {
    expect(golden.cases.length).toBeGreaterThan(0);
    for (const c of golden.cases) await expectGoldenCase(model, dir, c);
  }, 300_000);
});
