import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** The text part of a result: the caption, or what the model read and answered for Refer. */
export function AnswerText() {
  const view = useAppStore(resultsSelectors.view);
  if (!view) return null;
  if (view.mode === 'caption') {
    return (
      <section aria-labelledby="caption-title" className="answer">
        <h2 id="caption-title">Caption</h2>
        <p className="caption">{view.text || 'The model wrote nothing for this image.'}</p>
      </section>
    );
  }
  if (view.mode === 'refer' && view.expression !== null) {
    return (
      <p className="hint answer">
        Asked: <q>{view.expression}</q> · Answer: <code>{view.text}</code>
      </p>
    );
  }
  return null;
}
