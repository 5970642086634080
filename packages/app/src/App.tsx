import { createApp } from '@backstage/frontend-defaults';

/**
 * The plugins are discovered from this package's dependencies (`app.packages: all` in
 * app-config.yaml), so the External Secrets card and tab come in with
 * `@gitops-secrets/plugin-external-secrets/alpha`.
 */
const app = createApp({
  features: [],
});

export default app;
