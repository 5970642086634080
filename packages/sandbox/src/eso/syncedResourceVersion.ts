import { createHash } from 'node:crypto';
import { KubeObject } from '../kubernetes';

function sorted(record: Record<string, string> | undefined) {
  return Object.fromEntries(
    Object.entries(record ?? {}).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/**
 * ESO's `syncedResourceVersion`: `<generation>-<hash of labels and annotations>`. A new
 * `force-sync` annotation changes it, which is how ESO notices a manual refresh.
 */
export function syncedResourceVersion(object: KubeObject): string {
  const hash = createHash('md5')
    .update(
      JSON.stringify({
        annotations: sorted(object.metadata.annotations),
        labels: sorted(object.metadata.labels),
      }),
    )
    .digest('hex');
  return `${object.metadata.generation ?? 0}-${hash}`;
}
