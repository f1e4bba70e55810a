import { useState } from 'react';
import { cancelLoad, loadModel } from '../session';
import { setBackendPreference } from '../store/model/actions';
import type { BackendPreference, ModelChoice } from '../store/model/state';
import { modelSelectors } from '../store/selectors';
import { useAppStore } from '../store/store';

type Kind = ModelChoice['kind'];

const KIND_LABELS: Readonly<Record<Kind, string>> = { embedded: 'Built-in UFO-Tiny', url: 'URL', hf: 'Hugging Face', folder: 'Folder on disk' };

/** A folder picked with webkitdirectory, as relative path -> File (the folder's own name dropped). */
function folderFiles(list: FileList): ModelChoice | null {
  const files = new Map<string, File>();
  let name = '';
  for (const f of list) {
    const [root = '', ...rest] = f.webkitRelativePath.split('/');
    name = root;
    files.set(rest.join('/'), f);
  }
  return files.size ? { kind: 'folder', name, files } : null;
}

/** Where to load a model from, and on which backend. Fields keep what the user typed. */
export function SourceForm() {
  const loading = useAppStore(modelSelectors.isLoading);
  const backend = useAppStore((s) => s.model.backendPreference);
  const [kind, setKind] = useState<Kind>('embedded');
  const [url, setUrl] = useState('');
  const [repo, setRepo] = useState('');
  const [folder, setFolder] = useState<ModelChoice | null>(null);
  const choice: ModelChoice | null =
    kind === 'embedded' ? { kind } : kind === 'url' ? (url.trim() ? { kind, url: url.trim() } : null) : kind === 'hf' ? (repo.trim() ? { kind, repo: repo.trim() } : null) : folder;
  return (
    <form
      className="source"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice) void loadModel(choice);
      }}
    >
      <fieldset>
        <legend>Load from</legend>
        {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
          <label key={k}>
            <input type="radio" name="source" value={k} checked={kind === k} onChange={() => setKind(k)} />
            {KIND_LABELS[k]}
          </label>
        ))}
      </fieldset>
      {kind === 'url' && (
        <label>
          Package URL <input type="text" inputMode="url" value={url} onChange={(e) => setUrl(e.currentTarget.value)} placeholder="https://…/ufo-tiny/" />
        </label>
      )}
      {kind === 'hf' && (
        <label>
          Repository id <input type="text" value={repo} onChange={(e) => setRepo(e.currentTarget.value)} placeholder="owner/ufo-model" />
        </label>
      )}
      {kind === 'folder' && (
        <label>
          Package folder
          <input type="file" {...{ webkitdirectory: '' }} multiple onChange={(e) => setFolder(e.currentTarget.files ? folderFiles(e.currentTarget.files) : null)} />
        </label>
      )}
      <label>
        Backend
        <select value={backend} onChange={(e) => setBackendPreference(e.currentTarget.value as BackendPreference)}>
          <option value="auto">Automatic (WebGPU, else wasm)</option>
          <option value="webgpu">WebGPU only</option>
          <option value="wasm">wasm (CPU)</option>
        </select>
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={!choice}>
          Load model
        </button>
        {loading && (
          <button type="button" onClick={cancelLoad}>
            Cancel loading
          </button>
        )}
      </div>
    </form>
  );
}
