import { useAppStore } from '../store/store';
import { setZoom, stepZoom } from '../store/ui/actions';

/** Zoom out / fit / zoom in; `fitScale` tells how large the image is shown when fitted. */
export function ZoomControls({ fitScale }: { fitScale: () => number }) {
  const zoom = useAppStore((s) => s.ui.zoom);
  return (
    <div className="zoom" role="group" aria-label="Zoom">
      <button type="button" className="ghost" onClick={() => stepZoom(-1, fitScale())} aria-label="Zoom out">
        −
      </button>
      <button type="button" className="ghost" onClick={() => setZoom('fit')} aria-pressed={zoom === 'fit'}>
        {zoom === 'fit' ? 'Fit' : `${Math.round(zoom * 100)}%`}
      </button>
      <button type="button" className="ghost" onClick={() => stepZoom(1, fitScale())} aria-label="Zoom in">
        +
      </button>
    </div>
  );
}
