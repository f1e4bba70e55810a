import { useAppStore } from '../store/store';
import { dismissMessage } from '../store/ui/actions';

/** The last error or notice, in plain words, until dismissed or superseded. */
export function MessageBanner() {
  const message = useAppStore((s) => s.ui.message);
  if (!message) return null;
  return (
    <div className={`banner banner-${message.tone}`} role={message.tone === 'error' ? 'alert' : 'status'}>
      <div>
        <strong>{message.title}.</strong> {message.detail}
      </div>
      <button type="button" className="ghost" onClick={dismissMessage} aria-label="Dismiss message">
        ✕
      </button>
    </div>
  );
}
