import { ResponseError } from '@backstage/errors';
import {
  ScaffolderFieldExtensions,
  useCustomFieldExtensions,
} from '@backstage/plugin-scaffolder-react';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type { ConfiguredCluster } from '@gitops-secrets/plugin-external-secrets-common';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import plugin, { externalSecretsClusterPickerFormField } from '../../alpha';
import { ExternalSecretsClusterPickerFieldExtension } from '../../index';
import {
  externalSecretsApiRef,
  type ExternalSecretsApi,
} from '../../api/ExternalSecretsApi';
import { ExternalSecretsClusterPicker } from './ExternalSecretsClusterPicker';

const CLUSTERS: ConfiguredCluster[] = [
  {
    name: 'sandbox',
    vaultAuthMount: 'kubernetes',
    vaultAuth: 'Healthy',
    onboarded: true,
  },
  {
    name: 'edge',
    vaultAuthMount: 'kubernetes-edge',
    vaultAuth: 'Unhealthy',
    onboarded: false,
  },
  { name: 'far', vaultAuthMount: 'kubernetes-far', vaultAuth: 'Unknown' },
];

function Harness(props: {
  seen: { value?: string };
  options?: Record<string, unknown>;
  initial?: string;
}) {
  const [formData, setFormData] = useState<string | undefined>(props.initial);
  const fieldProps: any = {
    formData,
    onChange: (value: string | undefined) => {
      props.seen.value = value;
      setFormData(value);
    },
    schema: {
      title: 'Cluster',
      description: 'Where the service runs: one of `externalSecrets.clusters`',
    },
    uiSchema: { 'ui:options': props.options ?? {} },
    rawErrors: [],
    required: true,
    idSchema: { $id: 'root_cluster' },
  };
  return <ExternalSecretsClusterPicker {...fieldProps} />;
}

async function renderPicker(
  getClusters: ExternalSecretsApi['getClusters'],
  options?: Record<string, unknown>,
  initial?: string,
) {
  const seen: { value?: string } = {};
  await renderInTestApp(
    <TestApiProvider
      apis={[[externalSecretsApiRef, { getClusters } as ExternalSecretsApi]]}
    >
      <Harness seen={seen} options={options} initial={initial} />
    </TestApiProvider>,
  );
  return seen;
}

describe('ExternalSecretsClusterPicker', () => {
  it('offers every configured cluster with its Vault mount and onboarding state, and sets the chosen name', async () => {
    const seen = await renderPicker(async () => ({ items: CLUSTERS }));
    const select = await screen.findByLabelText(/Cluster/);
    await within(select).findByText(/^sandbox/);
    expect(
      within(select)
        .getAllByRole('option')
        .map(o => o.textContent),
    ).toEqual([
      'Choose a cluster',
      'sandbox — Vault mount kubernetes/, onboarded',
      'edge — Vault mount kubernetes-edge/, not onboarded to Vault yet',
      'far — Vault mount kubernetes-far/, Vault auth not known (Vault could not be read)',
    ]);
    // the onboarding template offers them all
    await userEvent.selectOptions(select, 'edge');
    expect(seen.value).toBe('edge');
    // the description is Markdown, as the template writes it: names in code
    expect(screen.getByText('externalSecrets.clusters').tagName).toBe('CODE');
    expect(screen.queryByText(/`/)).not.toBeInTheDocument();
  });

  it('with requireOnboarded, a cluster known not to be onboarded cannot be chosen', async () => {
    const seen = await renderPicker(async () => ({ items: CLUSTERS }), {
      requireOnboarded: true,
    });
    const select = await screen.findByLabelText(/Cluster/);
    const edge = await within(select).findByRole('option', { name: /^edge/ });
    expect(edge).toBeDisabled();
    expect(
      within(select).getByRole('option', { name: /^sandbox/ }),
    ).toBeEnabled();
    // Vault not readable is not a reason to refuse: the action checks again
    expect(within(select).getByRole('option', { name: /^far/ })).toBeEnabled();
    await userEvent.selectOptions(select, 'sandbox');
    expect(seen.value).toBe('sandbox');
  });

  it('says why when the clusters cannot be listed, or a value is not a configured cluster', async () => {
    const denied = await ResponseError.fromResponse(
      new Response(
        JSON.stringify({
          error: { name: 'NotAllowedError', message: 'not allowed' },
        }),
        { status: 403, statusText: 'Forbidden' },
      ) as any,
    );
    await renderPicker(() => Promise.reject(denied));
    expect(
      await screen.findByText(/The clusters could not be listed: /),
    ).toBeInTheDocument();
    expect(screen.getByLabelText(/Cluster/)).toBeDisabled();
  });

  it('marks a value that no configured cluster has', async () => {
    await renderPicker(async () => ({ items: CLUSTERS }), {}, 'gone');
    expect(
      await screen.findByText('"gone" is not a configured cluster'),
    ).toBeInTheDocument();
  });
});

describe('the ExternalSecretsClusterPicker field in both frontend systems', () => {
  it('is a legacy field extension named as templates use it', async () => {
    let found: unknown[] = [];
    function Probe() {
      found = useCustomFieldExtensions(
        <ScaffolderFieldExtensions>
          <ExternalSecretsClusterPickerFieldExtension />
        </ScaffolderFieldExtensions>,
      );
      return null;
    }
    await renderInTestApp(<Probe />);
    expect(found).toEqual([
      expect.objectContaining({
        name: 'ExternalSecretsClusterPicker',
        component: ExternalSecretsClusterPicker,
      }),
    ]);
  });

  it('is a New Frontend System form field of the plugin', async () => {
    expect(
      plugin.getExtension(
        'scaffolder-form-field:external-secrets/external-secrets-cluster-picker',
      ),
    ).toBeDefined();
    const tester = createExtensionTester(externalSecretsClusterPickerFormField);
    const load = tester.get(FormFieldBlueprint.dataRefs.formFieldLoader);
    const field: any = await load();
    expect(field).toMatchObject({
      name: 'ExternalSecretsClusterPicker',
      component: ExternalSecretsClusterPicker,
    });
  });
});
