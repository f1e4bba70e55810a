import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** Milliseconds per stage of the last run. */
export function Timings() {
  const view = useAppStore(resultsSelectors.view);
  const entries = Object.entries(view?.timings ?? {});
  if (entries.length === 0) return null;
  const total = entries.reduce((n, [, ms]) => n + ms, 0);
  return (
    <table className="timings">
      <caption>Last run</caption>
      <tbody>
        {entries.map(([stage, ms]) => (
          <tr key={stage}>
            <th scope="row">{stage}</th>
            <td>{ms.toFixed(0)} ms</td>
          </tr>
        ))}
        <tr className="total">
          <th scope="row">total</th>
          <td>{total.toFixed(0)} ms</td>
        </tr>
      </tbody>
    </table>
  );
}
