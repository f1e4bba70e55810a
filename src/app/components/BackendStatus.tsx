import { useAppStore } from '../store/store';

/** Which backend runs the model, and why when it is not the one asked for. Never silent. */
export function BackendStatus() {
  const status = useAppStore((s) => s.model.status);
  const name = useAppStore((s) => s.model.name);
  const backend = useAppStore((s) => s.model.backend);
  if (status !== 'ready' || !backend) {
    return <p className="backend">{status === 'loading' ? 'Loading…' : status === 'failed' ? 'No model loaded.' : 'Not loaded yet.'}</p>;
  }
  return (
    <div className="backend">
      <p>
        <strong>{name}</strong> on <strong data-testid="backend">{backend.backend === 'webgpu' ? 'WebGPU' : backend.backend}</strong>
        {backend.adapter && <> ({backend.adapter})</>}
      </p>
      {backend.fallbackReason && <p className="hint">Not on WebGPU because: {backend.fallbackReason}</p>}
    </div>
  );
}
