import { useShallow } from 'zustand/react/shallow';
import { modelSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function FileBar({ name }: { name: string }) {
  const f = useAppStore(modelSelectors.file(name));
  if (!f) return null;
  return (
    <li>
      <label>
        <span className="file">{name}</span>
        <span className="bytes">{f.done ? (f.cached ? 'from cache' : 'done') : `${mb(f.loaded)} / ${mb(f.total)}`}</span>
        <progress max={f.total || 1} value={f.done ? f.total || 1 : f.loaded} />
      </label>
    </li>
  );
}

/** One bar per file of the load in flight, and the named phase (e.g. the shader warm-up). */
export function LoadProgress() {
  const loading = useAppStore(modelSelectors.isLoading);
  const names = useAppStore(useShallow(modelSelectors.fileNames));
  const phase = useAppStore((s) => s.model.phase);
  if (!loading) return null;
  return (
    <div className="load-progress" aria-live="polite">
      <p className="phase" role="status">
        {phase ?? 'Loading the model…'}
      </p>
      <ul>
        {names.map((name) => (
          <FileBar key={name} name={name} />
        ))}
      </ul>
    </div>
  );
}
