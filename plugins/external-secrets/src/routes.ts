import { createRouteRef } from '@backstage/core-plugin-api';

/** Where the legacy app mounts the "Secrets" tab. */
export const rootRouteRef = createRouteRef({ id: 'external-secrets' });
