import type { PublishOptions } from './queueDriver.js';

/**
 * The argument checks every QueueDriver makes before it touches its backend, so a bad call is
 * refused with a RangeError and changes nothing, whichever driver runs.
 */

export function checkDelay(delaySeconds: number): void {
  if (!(delaySeconds >= 0)) throw new RangeError(`delaySeconds must be >= 0, got ${delaySeconds}`);
}

/** A publish's delay and delivery budget (the driver's default when the options say none), checked. */
export function publishSettings(options: PublishOptions, defaultMaxAttempts: number): { delaySeconds: number; maxAttempts: number } {
  const delaySeconds = options.delaySeconds ?? 0;
  checkDelay(delaySeconds);
  const maxAttempts = options.maxAttempts ?? defaultMaxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  return { delaySeconds, maxAttempts };
}

export function checkReceive(max: number, visibilitySeconds: number): void {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  if (!(visibilitySeconds > 0)) throw new RangeError(`visibilitySeconds must be > 0, got ${visibilitySeconds}`);
}

export function checkExtension(seconds: number): void {
  if (!(seconds > 0)) throw new RangeError(`seconds must be > 0, got ${seconds}`);
}
