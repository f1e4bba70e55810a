import { useRef } from 'react';
import { openImage } from '../session';

/** A button that opens the system file picker for one image. */
export function FilePicker({ label = 'Open image…' }: { label?: string }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept="image/*"
        hidden
        aria-label="Choose an image file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = ''; // choosing the same file again still fires change
          if (file) void openImage(file, file.name);
        }}
      />
    </>
  );
}
