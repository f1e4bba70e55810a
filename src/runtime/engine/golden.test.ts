/** The engine against the PyTorch oracle in Node (onnxruntime-node), fp32. */
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { UfoModel } from '../api';
import { loadPackage } from '../package';
import { expectGoldenCase, readGolden } from './golden-checks';
import { createModel } from '.';

for (const fixture of ['ufo-tiny', 'micro', 'micro-trained']) {
  const dir = `src/runtime/engine/__fixtures__/${fixture}`;
  const golden = readGolden(dir);
  const packagePath = golden.package === 'package' ? `${dir}/package` : golden.package;

  describe(`${packagePath} fp32 matches the PyTorch oracle`, () => {
    let model: UfoModel;
    beforeAll(async () => {
      model = await createModel(await loadPackage({ kind: 'path', path: packagePath }, { dtype: 'fp32', cache: null }));
    });
    afterAll(() => model.dispose());
    for (const c of golden.cases) test(`${c.image} ${c.task}`, () => expectGoldenCase(model, dir, c));
  });
}
