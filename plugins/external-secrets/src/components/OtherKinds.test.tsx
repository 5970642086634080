import { mockApis, registerMswTestHooks } from '@backstage/test-utils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
import {
  STATUS_PATH,
  annotatedEntity,
  conflictingClusterExternalSecret,
  entityStatus,
  failingPushSecret,
  healthyExternalSecret,
} from '../__testUtils__/statusFixtures';
import { renderWithEntity } from '../__testUtils__/renderWithEntity';
import { EntityExternalSecretsCard } from './EntityExternalSecretsCard';
import { EntityExternalSecretsContent } from './EntityExternalSecretsContent';

const server = setupServer();
registerMswTestHooks(server);

const denySync = [
  permissionApiRef,
  mockApis.permission({ authorize: AuthorizeResult.DENY }),
] as const;

function answer(body: EntityExternalSecretsStatus) {
  server.use(http.get(STATUS_PATH, () => HttpResponse.json(body)));
}

const withKinds = (
  externalSecrets = [healthyExternalSecret()],
): EntityExternalSecretsStatus => ({
  ...entityStatus(externalSecrets),
  pushSecrets: [failingPushSecret()],
  clusterExternalSecrets: [conflictingClusterExternalSecret()],
});

describe('PushSecrets and ClusterExternalSecrets on the entity page', () => {
  it('the card lists each with its state and what is wrong', async () => {
    answer(withKinds());
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });

    const pushes = await screen.findByRole('list', { name: 'PushSecrets' });
    const push = within(pushes).getByRole('listitem', {
      name: 'example-api-push: Error',
    });
    expect(push).toHaveTextContent(
      'Secret example-api-generated → ClusterSecretStore vault-example-api',
    );
    expect(push).toHaveTextContent('pushed example-api/generated');
    expect(push).toHaveTextContent('deletionPolicy Delete');
    expect(
      within(push).getByRole('note', { name: 'Finding PUSH_POLICY_DENIES' }),
    ).toHaveTextContent(
      'lack "create" and "update" on secret/data/example-api/generated',
    );

    const clusterWide = screen.getByRole('list', {
      name: 'ClusterExternalSecrets',
    });
    const ces = within(clusterWide).getByRole('listitem', {
      name: 'shared-db: Error',
    });
    expect(ces).toHaveTextContent('ExternalSecret shared-db in 1 namespace');
    expect(ces).toHaveTextContent('failed in team-b');
    // the ExternalSecrets' own health is unchanged by them
    expect(screen.getByLabelText('Counts per state')).toHaveTextContent(
      '1 Synced',
    );
  });

  it('the card shows them even when the entity has no ExternalSecret of its own', async () => {
    answer(withKinds([]));
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    expect(
      await screen.findByRole('listitem', { name: 'example-api-push: Error' }),
    ).toBeInTheDocument();
  });

  it('the tab gives each finding with its fix', async () => {
    answer(withKinds());
    await renderWithEntity(<EntityExternalSecretsContent />, {
      entity: annotatedEntity,
      apis: [denySync],
    });
    const ces = await screen.findByRole('listitem', {
      name: 'shared-db: Error',
    });
    expect(
      within(ces).getByRole('note', {
        name: 'Finding CES_EXTERNAL_SECRET_CONFLICT',
      }),
    ).toHaveTextContent(
      'Fix: Delete or rename the existing ExternalSecret, or set spec.externalSecretName',
    );
    const push = screen.getByRole('listitem', {
      name: 'example-api-push: Error',
    });
    expect(push).toHaveTextContent('Fix: Grant the store');
  });

  it('an answer of an older backend (without the new kinds) shows no empty sections', async () => {
    answer(entityStatus([healthyExternalSecret()]));
    await renderWithEntity(<EntityExternalSecretsCard />, {
      entity: annotatedEntity,
    });
    await screen.findByRole('list', { name: 'ExternalSecrets' });
    expect(screen.queryByRole('list', { name: 'PushSecrets' })).toBeNull();
    expect(
      screen.queryByRole('list', { name: 'ClusterExternalSecrets' }),
    ).toBeNull();
  });
});
