import { useShallow } from 'zustand/react/shallow';
import { run } from '../session';
import { historyBack, historyForward, setExpression } from '../store/prompt/actions';
import { useAppStore } from '../store/store';

/** The referring expression: Enter runs, the arrow keys walk the history, suggestions in a datalist. */
export function ExpressionForm() {
  const expression = useAppStore((s) => s.prompt.expression);
  const options = useAppStore(useShallow((s) => [...new Set([...s.prompt.history, ...(s.image.current?.suggestions ?? [])])]));
  return (
    <form
      className="expression"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <label htmlFor="expression">Describe the object</label>
      <input
        id="expression"
        type="text"
        list="expression-history"
        autoComplete="off"
        placeholder="e.g. the red circle on the left"
        value={expression}
        onChange={(e) => setExpression(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowUp') {
            e.preventDefault();
            historyBack();
          } else if (e.key === 'ArrowDown' && e.altKey === false && useAppStore.getState().prompt.historyIndex >= 0) {
            e.preventDefault(); // otherwise ArrowDown opens the suggestion list
            historyForward();
          }
        }}
      />
      <datalist id="expression-history">
        {options.map((o) => (
          <option key={o} value={o} />
        ))}
      </datalist>
    </form>
  );
}
