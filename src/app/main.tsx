import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadModel } from './session';
import { resetStore } from './store/store';
import './styles.css';

// ?backend=wasm picks the backend before the first load (tests use it: WebGPU on SwiftShader is slow).
const backend = new URLSearchParams(location.search).get('backend');
resetStore(backend === 'wasm' || backend === 'webgpu' || backend === 'auto' ? backend : undefined);
void loadModel({ kind: 'embedded' });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
