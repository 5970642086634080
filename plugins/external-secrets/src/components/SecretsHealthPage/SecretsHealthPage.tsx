import { Content, Header, Page } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import { useState } from 'react';
import { FleetExternalSecretsView } from './FleetExternalSecretsView';
import { FleetStoresView } from './FleetStoresView';

/** The page's body: ExternalSecrets and stores of every cluster, one tab each. */
export function SecretsHealthContent() {
  const [tab, setTab] = useState<'external-secrets' | 'stores'>(
    'external-secrets',
  );
  return (
    <Box>
      <Tabs
        value={tab}
        onChange={(_, value) => setTab(value)}
        indicatorColor="primary"
        aria-label="Secrets health views"
      >
        <Tab value="external-secrets" label="ExternalSecrets" />
        <Tab value="stores" label="Stores" />
      </Tabs>
      <Box mt={2}>
        {tab === 'external-secrets' ? (
          <FleetExternalSecretsView />
        ) : (
          <FleetStoresView />
        )}
      </Box>
    </Box>
  );
}

/**
 * The "Secrets health" page for the platform team, with its own header (legacy apps); the New
 * Frontend System's page blueprint supplies the header and renders {@link SecretsHealthContent}.
 */
export function SecretsHealthPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Secrets health"
        subtitle="Every ExternalSecret and store across clusters"
      />
      <Content>
        <SecretsHealthContent />
      </Content>
    </Page>
  );
}
