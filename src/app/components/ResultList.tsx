import { useShallow } from 'zustand/react/shallow';
import { cssColor } from '../lib/colors';
import { exportMaskPng } from '../exports';
import { setHovered, toggleItem } from '../store/results/actions';
import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** The results as a list synced with the canvas: hover or focus a row to highlight its result. */
export function ResultList() {
  const view = useAppStore(resultsSelectors.view);
  const items = useAppStore(useShallow(resultsSelectors.listed));
  const hidden = useAppStore((s) => s.results.hidden);
  const hovered = useAppStore((s) => s.results.hovered);
  if (!view || view.mode === 'caption') return null;
  const semantic = view.mode === 'semantic';
  return (
    <section aria-labelledby="results-title" className="results">
      <h2 id="results-title">{semantic ? 'Legend' : 'Results'}</h2>
      {items.length === 0 && (
        <p className="hint">{view.items.length === 0 ? 'The model found nothing here. Try other words or another mode.' : 'Nothing scores above the threshold; lower it to see more.'}</p>
      )}
      <ul onMouseLeave={() => setHovered(null)}>
        {items.map((item) => (
          <li key={item.id} className={item.id === hovered ? 'hovered' : ''} onMouseEnter={() => setHovered(item.id)} onFocus={() => setHovered(item.id)}>
            <label>
              <input type="checkbox" checked={!hidden[item.id]} onChange={() => toggleItem(item.id)} />
              <span className="swatch" style={{ background: cssColor(item.color) }} aria-hidden="true" />
              <span className="label">{item.label}</span>
              {item.score !== null && <span className="score">{item.score.toFixed(2)}</span>}
              {item.share !== undefined && <span className="score">{(item.share * 100).toFixed(1)}%</span>}
            </label>
            {item.mask && (
              <button type="button" className="ghost small" onClick={() => void exportMaskPng(item)} aria-label={`Save the mask of ${item.label} as PNG`}>
                Mask PNG
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
