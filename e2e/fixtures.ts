/**
 * Shared e2e helpers. The `page` fixture records every request of the visit and fails the test if
 * one leaves the page's origin: the app must work offline with no third-party request.
 */
import { readFileSync } from 'node:fs';
import { expect, test as base, type Page } from '@playwright/test';

export interface SampleObject {
  label: string;
  color: string;
  box: [number, number, number, number];
  point: [number, number];
}

export interface Sample {
  file: string;
  width: number;
  height: number;
  caption: string;
  expressions: string[];
  referents: number[];
  objects: SampleObject[];
}

export const samples: Sample[] = JSON.parse(readFileSync(new URL('../public/samples/samples.json', import.meta.url), 'utf8'));

export const test = base.extend<{ requests: string[] }>({
  requests: async ({ page, baseURL }, use) => {
    const urls: string[] = [];
    const origin = new URL(baseURL!).origin;
    page.on('request', (r) => urls.push(r.url()));
    await use(urls);
    const foreign = urls.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(foreign, 'requests outside the page origin').toEqual([]);
  },
});

export { expect };

/** Open the app on a backend and wait until the embedded model is ready. */
export async function openApp(page: Page, backend: 'wasm' | 'auto' = 'wasm'): Promise<void> {
  await page.goto(`/?backend=${backend}`);
  await expect(page.getByTestId('backend')).toBeVisible({ timeout: 240_000 });
}

/** Drop a file onto the page through a real DataTransfer, its bytes fetched inside the page. */
export async function dropFile(page: Page, url: string, name: string, type: string): Promise<void> {
  await page.evaluate(
    async ({ url, name, type }) => {
      const bytes = await (await fetch(url)).arrayBuffer();
      const data = new DataTransfer();
      data.items.add(new File([bytes], name, { type }));
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(new DragEvent(kind, { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    },
    { url, name, type },
  );
}

export async function dropSample(page: Page, sample: Sample): Promise<void> {
  await dropFile(page, `/samples/${sample.file}`, sample.file, 'image/png');
  await expect(page.getByRole('img', { name: `The image ${sample.file}` })).toBeVisible();
}

/** RGBA of the overlay canvas (image pixels, before CSS scaling) at (x, y). */
export function overlayPixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.getByTestId('overlay').evaluate((c, [x, y]) => [...(c as HTMLCanvasElement).getContext('2d')!.getImageData(x!, y!, 1, 1).data], [x, y]);
}

export async function runMode(page: Page, mode: string): Promise<void> {
  await page.getByRole('radio', { name: mode }).check();
  const button = page.getByRole('button', { name: `Run ${mode}` });
  // Disabled while it runs, enabled when done. The page itself records the disabled phase: a small
  // model can finish before a poll from here would see it.
  await button.evaluate((b) => {
    (window as unknown as { ranOnce: Promise<void> }).ranOnce = new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        if ((b as HTMLButtonElement).disabled) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe(b, { attributes: true, attributeFilter: ['disabled'] });
    });
  });
  await button.click();
  await page.evaluate(() => (window as unknown as { ranOnce: Promise<void> }).ranOnce);
  await expect(button).toBeEnabled({ timeout: 240_000 });
}
