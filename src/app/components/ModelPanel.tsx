import { BackendStatus } from './BackendStatus';
import { CachePanel } from './CachePanel';
import { LoadProgress } from './LoadProgress';
import { SourceForm } from './SourceForm';
import { Timings } from './Timings';

/** Everything about the model: where it comes from, its download, cache, backend and speed. */
export function ModelPanel() {
  return (
    <details className="panel model-panel" open>
      <summary>
        <h2>Model</h2>
      </summary>
      <BackendStatus />
      <LoadProgress />
      <SourceForm />
      <Timings />
      <CachePanel />
    </details>
  );
}
