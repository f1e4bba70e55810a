import { useEffect } from 'react';
import { openImage } from '../session';
import { useAppStore } from '../store/store';
import { setDragging, showMessage } from '../store/ui/actions';

function firstFile(list: DataTransfer | null): File | null {
  if (!list) return null;
  if (list.files.length > 0) return list.files[0]!;
  for (const item of list.items) if (item.kind === 'file') return item.getAsFile();
  return null;
}

/** Page-wide image input: drop a file anywhere, or paste one; shows a hint while dragging. */
export function DropOverlay() {
  const dragging = useAppStore((s) => s.ui.dragging);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // allow the drop (the browser would open the file otherwise)
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (e.relatedTarget === null) setDragging(false); // left the window, not just a child
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      setDragging(false);
      const file = firstFile(e.dataTransfer);
      if (file) void openImage(file, file.name || 'dropped image');
      else showMessage({ tone: 'error', title: 'Nothing to open', detail: 'Drop an image file (PNG, JPEG, WebP or GIF).' });
    };
    const paste = (e: ClipboardEvent) => {
      const file = firstFile(e.clipboardData);
      if (!file) return; // plain text pastes go to the focused field as usual
      e.preventDefault();
      void openImage(file, file.name || 'pasted image');
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    window.addEventListener('paste', paste);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
      window.removeEventListener('paste', paste);
    };
  }, []);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <p>Drop the image to open it</p>
    </div>
  );
}
