import { createHash } from 'node:crypto';

/**
 * A checkpoint key naming the object and a digest of what is written to it, so that a resumed
 * task skips a write it already did, but a different payload for the same object (another
 * step, another `each` item) is not mistaken for it. Never used for secret values.
 */
export function checkpointKey(object: string, payload: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(payload))
    .digest('hex')
    .slice(0, 16);
  return `${object}-${digest}`;
}
