import { useShallow } from 'zustand/react/shallow';
import { modelSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** One bar per file of the load in flight, and the named phase (e.g. the shader warm-up). */
export function LoadProgress() {
  const loading = useAppStore(modelSelectors.isLoading);
  const files = useAppStore(useShallow(modelSelectors.files));
  const phase = useAppStore((s) => s.model.phase);
  if (!loading) return null;
  return (
    <div className="load-progress" aria-live="polite">
      <p className="phase" role="status">
        {phase ?? 'Loading the model…'}
      </p>
      <ul>
        {files.map((f) => (
          <li key={f.file}>
            <label>
              <span className="file">{f.file}</span>
              <span className="bytes">{f.done ? (f.cached ? 'from cache' : 'done') : `${mb(f.loaded)} / ${mb(f.total)}`}</span>
              <progress max={f.total || 1} value={f.done ? f.total || 1 : f.loaded} />
            </label>
          </li>
        ))}
      </ul>
    </div>
  );
}
