import { describe, expect, it } from 'vitest';
import { DeviceLostError, InputError } from '../../runtime/errors';
import { withDeviceRecovery } from './device-recovery';

describe('device recovery', () => {
  it('reloads once and retries the request after a lost device', async () => {
    const calls: string[] = [];
    let lost = true;
    const result = await withDeviceRecovery(
      async () => {
        calls.push('run');
        if (lost) throw new DeviceLostError('destroyed');
        return 42;
      },
      async () => {
        calls.push('reload');
        lost = false;
        return true;
      },
    );
    expect(result).toBe(42);
    expect(calls).toEqual(['run', 'reload', 'run']);
  });

  it('reports a second loss, and never retries other errors or after a failed reload', async () => {
    let reloads = 0;
    const reload = async () => (++reloads, true);
    await expect(withDeviceRecovery(() => Promise.reject(new DeviceLostError('again')), reload)).rejects.toBeInstanceOf(DeviceLostError);
    expect(reloads).toBe(1);
    await expect(withDeviceRecovery(() => Promise.reject(new InputError('empty')), reload)).rejects.toBeInstanceOf(InputError);
    expect(reloads).toBe(1);
    await expect(withDeviceRecovery(() => Promise.reject(new DeviceLostError('x')), async () => false)).rejects.toBeInstanceOf(DeviceLostError);
  });
});
