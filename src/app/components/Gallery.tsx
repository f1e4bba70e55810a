import { useEffect, useState } from 'react';
import { openImage } from '../session';

interface Sample {
  file: string;
  width: number;
  height: number;
  caption: string;
  expressions: string[];
}

const SAMPLES_URL = '/samples/samples.json';

async function openSample(sample: Sample): Promise<void> {
  const response = await fetch(`/samples/${sample.file}`);
  await openImage(await response.blob(), sample.file, sample.expressions);
}

/** Sample scenes the model has never seen, one click away. */
export function Gallery() {
  const [samples, setSamples] = useState<Sample[] | 'failed' | null>(null);
  useEffect(() => {
    fetch(SAMPLES_URL)
      .then((r) => (r.ok ? (r.json() as Promise<Sample[]>) : Promise.reject(new Error(r.statusText))))
      .then(setSamples, () => setSamples('failed'));
  }, []);
  if (samples === 'failed') return <p className="hint">The sample scenes could not be loaded; open your own image instead.</p>;
  return (
    <section aria-labelledby="gallery-title" className="gallery">
      <h2 id="gallery-title">Sample scenes</h2>
      <ul>
        {(samples ?? []).map((s, i) => (
          <li key={s.file}>
            <button type="button" className="thumb" onClick={() => void openSample(s)} title={s.caption} aria-label={`Open sample ${i + 1}: ${s.caption}`}>
              <img src={`/samples/${s.file}`} alt="" width={s.width} height={s.height} loading="lazy" />
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
