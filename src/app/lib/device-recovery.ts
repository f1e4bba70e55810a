/**
 * What to do when the GPU device is lost mid-request: a lost device cannot be revived inside the
 * worker's onnxruntime, so the model is reloaded in a fresh worker (from the browser cache) and
 * the request retried once. A second loss is reported to the user.
 */
import { DeviceLostError } from '../../runtime/errors';

export async function withDeviceRecovery<T>(attempt: () => Promise<T>, reload: () => Promise<boolean>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!(err instanceof DeviceLostError) || !(await reload())) throw err;
    return attempt();
  }
}
