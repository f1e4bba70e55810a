/**
 * Bad requests get typed errors with clear messages, and the engine keeps working afterwards.
 * (Bad images and bad packages are covered by the image and package tests.)
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ImageHandle, UfoModel } from '../api';
import { CancelledError, InputError, UnsupportedTaskError } from '../errors';
import { loadPackage, type LoadedPackage } from '../package';
import { createModel, MAX_EXPRESSION_TOKENS } from '.';

const PACKAGE = 'src/runtime/engine/__fixtures__/micro/package';
const grey = { width: 48, height: 40, data: new Uint8ClampedArray(48 * 40 * 4).fill(120) };

describe('bad requests', () => {
  let pkg: LoadedPackage;
  let model: UfoModel;
  let image: ImageHandle;
  beforeAll(async () => {
    pkg = await loadPackage({ kind: 'path', path: PACKAGE }, { dtype: 'fp32', cache: null });
    model = await createModel(pkg);
    image = await model.addImage(grey);
  });
  afterAll(() => model.dispose());

  test('an empty expression (or only punctuation) asks for one', async () => {
    for (const text of ['', '   ', '?!.']) {
      const err = await model.refer(image, text).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(/Type what to look for/);
    }
  });

  test('a very long expression is cut to the documented length and says so', async () => {
    const long = Array(200).fill('red circle').join(' ');
    const r = await model.refer(image, long);
    expect(r.truncated).toBe(true);
    expect(r.expression.split(' ').length).toBe(MAX_EXPRESSION_TOKENS);
    expect((await model.refer(image, 'the red circle')).truncated).toBe(false);
  });

  test('a task the package does not declare names the tasks it has', async () => {
    const { caption: _, ...tasks } = pkg.config.tasks;
    const partial = await createModel({ ...pkg, config: { ...pkg.config, tasks } });
    const img = await partial.addImage(grey);
    const err = await partial.caption(img).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedTaskError);
    expect((err as Error).message).toMatch(/cannot do "caption".*detection/);
    await partial.dispose();
  });

  test('a request cancelled halfway rejects with CancelledError, and the next request works', async () => {
    const ctl = new AbortController();
    // The micro model's answer never ends early, so the decode runs long enough to be cut.
    const pending = model.refer(image, 'the red circle', {
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.phase === 'decode' && (p.fraction ?? 0) > 0) ctl.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    const again = await model.refer(image, 'the red circle');
    expect(again.tokens.length).toBeGreaterThan(1);
  });

  test('a released image is refused in plain words', async () => {
    const img = await model.addImage(grey);
    model.releaseImage(img);
    await expect(model.detect(img)).rejects.toThrow(/no longer loaded/);
  });
});
