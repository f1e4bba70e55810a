import type { RunProgress } from '../../runtime/api';
import { MODE_LABELS } from '../lib/modes';
import { cancelRun, run } from '../session';
import { resultsSelectors, runSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

const PHASE_WORDS: Readonly<Record<RunProgress['phase'], string>> = {
  preprocess: 'Preparing the image',
  encode: 'Encoding the image',
  decode: 'Writing the answer',
  masks: 'Drawing masks',
  postprocess: 'Tidying up results',
};

export function runStatus(p: RunProgress | null): string {
  if (!p) return 'Starting…';
  const pct = p.fraction === undefined ? '' : ` ${Math.round(p.fraction * 100)}%`;
  return `${PHASE_WORDS[p.phase]}…${pct}`;
}

/** Run and Cancel, with what the run is doing or why it cannot start. */
export function RunControls() {
  const mode = useAppStore((s) => s.prompt.mode);
  const blocker = useAppStore(runSelectors.blocker);
  const runningNow = useAppStore(resultsSelectors.isRunning);
  const progress = useAppStore((s) => s.results.progress);
  return (
    <div className="run-controls">
      <button type="button" className="primary" onClick={() => void run()} disabled={blocker !== null} aria-describedby="run-status">
        Run {MODE_LABELS[mode]}
      </button>
      {runningNow && (
        <button type="button" onClick={cancelRun}>
          Cancel
        </button>
      )}
      <p id="run-status" className="hint" role="status" aria-live="polite">
        {runningNow ? runStatus(progress) : blocker ?? 'Ready.'}
      </p>
    </div>
  );
}
