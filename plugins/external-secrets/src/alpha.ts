import { createFrontendPlugin } from '@backstage/frontend-plugin-api';

export default createFrontendPlugin({
  pluginId: 'external-secrets',
  extensions: [],
});
