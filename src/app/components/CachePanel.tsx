import { useEffect } from 'react';
import { deleteCached, refreshCache } from '../session';
import { useAppStore } from '../store/store';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Models kept in the browser for the next visit, with their size and a delete button each. */
export function CachePanel() {
  const cache = useAppStore((s) => s.model.cache);
  useEffect(() => void refreshCache(), []);
  if (typeof caches === 'undefined') return <p className="hint">This browser offers no storage for models here; they download on every visit.</p>;
  return (
    <section aria-labelledby="cache-title" className="cache">
      <h3 id="cache-title">Stored in this browser</h3>
      {cache?.length === 0 && <p className="hint">No models stored yet. Models from a URL or Hugging Face are kept after their first load.</p>}
      <ul>
        {(cache ?? []).map((m) => (
          <li key={m.key}>
            <span className="file" title={m.sourceLabel}>
              {m.name} <span className="hint">({m.dtypes.join(', ')})</span>
            </span>
            <span className="bytes">{mb(m.bytes)}</span>
            <button type="button" className="ghost small" onClick={() => void deleteCached(m.key)} aria-label={`Delete ${m.name} from this browser`}>
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
