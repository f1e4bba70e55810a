import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { drawOverlay } from '../lib/draw-overlay';
import { itemAt } from '../lib/overlay';
import { setHovered } from '../store/results/actions';
import { resultsSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';
import { FilePicker } from './FilePicker';
import { ZoomControls } from './ZoomControls';

/** The image with its result overlay; pointing at a result highlights it in the list too. */
export function Stage() {
  const image = useAppStore((s) => s.image.current);
  const view = useAppStore(resultsSelectors.view);
  const items = useAppStore(useShallow(resultsSelectors.visible));
  const hovered = useAppStore((s) => s.results.hovered);
  const opacity = useAppStore((s) => s.results.opacity);
  const zoom = useAppStore((s) => s.ui.zoom);
  const base = useRef<HTMLCanvasElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = base.current;
    if (!canvas || !image) return;
    canvas.width = image.bitmap.width;
    canvas.height = image.bitmap.height;
    canvas.getContext('2d')!.drawImage(image.bitmap, 0, 0);
  }, [image]);

  useEffect(() => {
    const canvas = overlay.current;
    if (!canvas || !image) return;
    canvas.width = image.bitmap.width;
    canvas.height = image.bitmap.height;
    const ctx = canvas.getContext('2d')!;
    if (view) drawOverlay(ctx, view, items, { opacity, hovered });
    else ctx.clearRect(0, 0, canvas.width, canvas.height);
  }, [image, view, items, hovered, opacity]);

  if (!image) {
    return (
      <div className="stage empty">
        <p>Drop an image anywhere on the page, paste one, or pick a sample scene.</p>
        <FilePicker />
      </div>
    );
  }
  const fitScale = () => (base.current ? base.current.clientWidth / image.bitmap.width : 1);
  const size = zoom === 'fit' ? undefined : { width: image.bitmap.width * zoom, height: image.bitmap.height * zoom };
  return (
    <div className="stage-wrap">
      <ZoomControls fitScale={fitScale} />
      <div className={`stage ${zoom === 'fit' ? 'fit' : 'zoomed'}`}>
        <div className="layers" style={size}>
          <canvas ref={base} role="img" aria-label={`The image ${image.name}`} />
          <canvas
            ref={overlay}
            className="overlay"
            data-testid="overlay"
            aria-hidden="true"
            onPointerMove={(e) => {
              if (!view) return;
              const r = e.currentTarget.getBoundingClientRect();
              const hit = itemAt(items, ((e.clientX - r.left) / r.width) * view.width, ((e.clientY - r.top) / r.height) * view.height);
              setHovered(hit?.id ?? null);
            }}
            onPointerLeave={() => setHovered(null)}
          />
        </div>
      </div>
    </div>
  );
}
