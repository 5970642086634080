import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the legacy app mounts the "Secrets" tab. */
export const rootRouteRef = createRouteRef({ id: 'external-secrets' });

/** Where the legacy app mounts the "Secrets health" page (the whole fleet). */
export const fleetRouteRef = createRouteRef({ id: 'external-secrets-fleet' });
