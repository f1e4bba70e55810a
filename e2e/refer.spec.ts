import { copyFile, readFile } from 'node:fs/promises';
import { rle } from '../src/eval';
import { dropSample, expect, openApp, overlayPixel, samples, test } from './fixtures';

// Six objects, so "elsewhere" has five other objects' pixels to stay clear of. The expression is one
// the embedded UFO-Tiny answers right on this scene in q4, in Node and in this page, box and mask
// both: it needs the size and the position (the other large shape is a triangle on the right).
const sample = samples[7]!;
const expressionIndex = sample.expressions.indexOf('the large shape on the left');

test('drop a scene, refer to an object: its mask is drawn over it and the JSON matches', async ({ page, requests }, testInfo) => {
  expect(requests).toBeDefined();
  await openApp(page);
  await dropSample(page, sample);
  const target = sample.objects[sample.referents[expressionIndex]!]!;
  const field = page.getByLabel('Describe the object');
  await field.fill(sample.expressions[expressionIndex]!);
  await field.press('Enter');
  await expect(page.getByRole('heading', { name: 'Results' })).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('checkbox')).toHaveCount(1);

  const [x, y] = target.point;
  expect((await overlayPixel(page, x, y))[3], 'inside the referred object').toBeGreaterThan(0);
  const [bx, by, bw, bh] = target.box;
  for (const other of sample.objects) {
    const [ox, oy] = other.point;
    const margin = 4; // box outlines and label tabs may tint a few pixels around the box
    if (other === target || (ox > bx - margin && ox < bx + bw + margin && oy > by - 30 && oy < by + bh + margin)) continue;
    expect((await overlayPixel(page, ox, oy))[3], `outside: the ${other.color} ${other.label}`).toBe(0);
  }
  await page.screenshot({ path: testInfo.outputPath('refer.png') });
  // The README's picture of the app is this state: a referred object's box and mask. Refreshed on
  // request only (UPDATE_SCREENSHOT=1), so a test run leaves the working tree clean.
  if (process.env.UPDATE_SCREENSHOT) await copyFile(testInfo.outputPath('refer.png'), new URL('../docs/screenshot.png', import.meta.url));

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save JSON' }).click();
  const coco = JSON.parse(await readFile(await (await download).path(), 'utf8'));
  expect(coco.images[0]).toMatchObject({ file_name: sample.file, width: sample.width, height: sample.height });
  expect(coco.annotations).toHaveLength(1);
  const ann = coco.annotations[0];
  expect(coco.categories[ann.category_id - 1].name).toBe(sample.expressions[expressionIndex]);
  const mask = rle.decode(rle.fromString(ann.segmentation.counts, sample.height, sample.width));
  expect(mask[y * sample.width + x], 'the exported mask covers the object shown').toBe(1);
  // Every pixel tinted on screen is in the exported mask, and no other.
  const tinted = await page.getByTestId('overlay').evaluate((c) => {
    const { width, height } = c as HTMLCanvasElement;
    const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, width, height).data;
    return [...d.filter((_, i) => i % 4 === 3)].map((a) => (a > 0 ? 1 : 0));
  });
  let disagree = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1 && tinted[i] === 0) disagree++;
  expect(disagree, 'mask pixels not drawn').toBe(0);
  expect(ann.bbox).toHaveLength(4);

  // Asking again about the same image reuses it, and the expression went into the history.
  await field.fill('');
  await field.press('ArrowUp');
  await expect(field).toHaveValue(sample.expressions[expressionIndex]!);
});
