import { useShallow } from 'zustand/react/shallow';
import { MODE_HINTS, MODE_LABELS, MODES } from '../lib/modes';
import { setMode } from '../store/prompt/actions';
import { modelSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** The modes the loaded model declares, as a radio group (arrow keys move between them). */
export function ModeTabs() {
  const offered = useAppStore(useShallow(modelSelectors.modes));
  const mode = useAppStore((s) => s.prompt.mode);
  return (
    <fieldset className="modes">
      <legend>Mode</legend>
      {MODES.map((m) => (
        <label key={m} className={offered.includes(m) ? '' : 'unavailable'} title={MODE_HINTS[m]}>
          <input type="radio" name="mode" value={m} checked={mode === m} disabled={!offered.includes(m)} onChange={() => setMode(m)} />
          {MODE_LABELS[m]}
        </label>
      ))}
      <p className="hint">{offered.length === 0 ? 'Modes appear once a model is loaded.' : MODE_HINTS[mode]}</p>
    </fieldset>
  );
}
