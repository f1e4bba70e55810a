import { setOpacity, setThreshold } from '../store/results/actions';
import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** The score threshold (when results have scores) and the mask opacity (when they have masks). */
export function ResultSettings() {
  const threshold = useAppStore((s) => s.results.threshold);
  const opacity = useAppStore((s) => s.results.opacity);
  const hasScores = useAppStore(resultsSelectors.hasScores);
  const hasMasks = useAppStore((s) => resultsSelectors.view(s)?.items.some((i) => i.mask !== null) ?? false);
  return (
    <div className="settings">
      {hasScores && (
        <label>
          Minimum score <span className="value">{threshold.toFixed(2)}</span>
          <input type="range" aria-label="Minimum score" min={0} max={1} step={0.05} value={threshold} onChange={(e) => setThreshold(Number(e.currentTarget.value))} />
        </label>
      )}
      {hasMasks && (
        <label>
          Mask opacity <span className="value">{Math.round(opacity * 100)}%</span>
          <input type="range" aria-label="Mask opacity" min={0} max={1} step={0.05} value={opacity} onChange={(e) => setOpacity(Number(e.currentTarget.value))} />
        </label>
      )}
    </div>
  );
}
