/**
 * Resolves when the callback handed to `arm` is called, after `maxWaitMs`, or when `signal` aborts,
 * whichever comes first, and then removes its timer and listeners. `arm` registers the callback
 * and returns how to unregister it.
 */
export function waitForWake(maxWaitMs: number, signal: AbortSignal | undefined, arm: (wake: () => void) => () => void): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    let disarm: (() => void) | undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      disarm?.();
      resolve();
    };
    const timer = setTimeout(done, maxWaitMs);
    signal?.addEventListener('abort', done, { once: true });
    disarm = arm(done);
  });
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return waitForWake(ms, signal, () => () => undefined);
}
