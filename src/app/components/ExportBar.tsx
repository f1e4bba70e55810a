import { exportCocoJson, exportOverlayPng } from '../exports';
import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

/** Export what is shown: the image with its overlay, and the results as COCO-style JSON. */
export function ExportBar() {
  const view = useAppStore(resultsSelectors.view);
  return (
    <div className="export" role="group" aria-label="Export">
      <button type="button" disabled={!view} onClick={() => void exportOverlayPng()}>
        Save PNG
      </button>
      <button type="button" disabled={!view} onClick={exportCocoJson}>
        Save JSON
      </button>
    </div>
  );
}
