import {
  ScaffolderFieldExtensions,
  SecretsContextProvider,
  useCustomFieldExtensions,
  useTemplateSecrets,
  type FieldExtensionOptions,
} from '@backstage/plugin-scaffolder-react';
import { Stepper } from '@backstage/plugin-scaffolder-react/alpha';
import { renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ExternalSecretsEditorFieldExtension } from '../../plugin';

// The Secrets step as templates declare it (templates/new-service-with-secrets/template.yaml):
// the field owns the shape, the schema says what the review hides.
const manifest = {
  title: 'New service with secrets',
  steps: [
    {
      title: 'Secrets',
      schema: {
        required: ['secrets'],
        properties: {
          secrets: {
            title: 'Secrets',
            type: 'array',
            minItems: 1,
            'ui:field': 'ExternalSecretsEditor',
            items: {
              type: 'object',
              properties: {
                name: { title: 'Secret name', type: 'string' },
                properties: {
                  title: 'Properties',
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      property: { title: 'Vault property', type: 'string' },
                      secretKey: {
                        title: 'Key in the Kubernetes Secret',
                        type: 'string',
                      },
                      initialValue: {
                        title: 'Initial value',
                        type: 'string',
                        enum: ['value set', 'none'],
                      },
                      valueKey: {
                        type: 'string',
                        'ui:backstage': { review: { show: false } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  ],
};

const SENTINEL = 'S3NT1NEL-typed-value';

interface Created {
  values?: Record<string, any>;
  secrets?: Record<string, string>;
}

/**
 * A legacy app's scaffolder: the field extensions come from `<ScaffolderFieldExtensions>`
 * children and the form is the scaffolder's own Stepper.
 */
function LegacyScaffolderForm(props: { created: Created }) {
  const extensions = useCustomFieldExtensions(
    <ScaffolderFieldExtensions>
      <ExternalSecretsEditorFieldExtension />
    </ScaffolderFieldExtensions>,
  ) as FieldExtensionOptions[];
  return (
    <Stepper
      manifest={manifest}
      extensions={extensions}
      initialState={{ name: 'orders' }}
      onCreate={async values => {
        props.created.values = values;
      }}
    />
  );
}

/** What the scaffolder page sends as the task's secrets on "Create". */
function TaskSecrets(props: { created: Created }) {
  const { secrets } = useTemplateSecrets();
  props.created.secrets = secrets;
  return null;
}

/**
 * Presses the Stepper's submit button. jsdom does not submit a form from @backstage/ui's
 * (react-aria) submit button, so the form is submitted as that button would; the browser test
 * clicks the real one.
 */
async function pressSubmit(name: string) {
  const button = screen.getByRole('button', { name });
  expect(button).toHaveAttribute('type', 'submit');
  expect(button).toBeEnabled();
  fireEvent.submit(button.closest('form')!);
}

describe('ExternalSecretsEditor in the scaffolder form of a legacy app', () => {
  it('is filled by hand, checked on Review, reviewed as "value set" / "none", and sends the value only as a task secret', async () => {
    const created: Created = {};
    await renderInTestApp(
      <SecretsContextProvider>
        <LegacyScaffolderForm created={created} />
        <TaskSecrets created={created} />
      </SecretsContextProvider>,
    );

    await screen.findByRole('group', { name: 'Secret 1' });
    // "Review" with an empty secret stops on the field with the rules in words
    await pressSubmit('Review');
    // the form shows the errors again around the field; the field's own sits under its input
    await waitFor(() =>
      expect(
        within(screen.getByRole('group', { name: 'Secret 1' })).getByText(
          /^must not be empty: a DNS-1123/,
        ),
      ).toBeInTheDocument(),
    );
    expect(screen.queryByRole('button', { name: 'Create' })).toBeNull();

    const secret = screen.getByRole('group', { name: 'Secret 1' });
    await userEvent.type(within(secret).getByLabelText(/^Secret name/), 'db');
    const row = within(secret).getByRole('group', {
      name: 'Property 1 of secret db',
    });
    await userEvent.type(within(row).getByLabelText(/^Vault property/), 'pw');
    await userEvent.clear(
      within(row).getByLabelText(/^Key in the Kubernetes Secret/),
    );
    await userEvent.type(
      within(row).getByLabelText(/^Key in the Kubernetes Secret/),
      'DB_PASSWORD',
    );
    await userEvent.type(
      within(row).getByLabelText(/^Initial value/),
      SENTINEL,
    );
    // a second property left without a value: written in Vault later
    await userEvent.click(
      within(secret).getByRole('button', { name: 'Add property to secret db' }),
    );
    await userEvent.type(
      within(
        within(secret).getByRole('group', { name: 'Property 2 of secret db' }),
      ).getByLabelText(/^Vault property/),
      'user',
    );
    await pressSubmit('Review');

    // the review: names, mappings and "value set"; not the value, not where it is kept
    const create = await screen.findByRole('button', { name: 'Create' });
    const page = document.body;
    expect(page).toHaveTextContent('db');
    expect(page).toHaveTextContent('DB_PASSWORD');
    expect(page).toHaveTextContent('initialValue: value set');
    expect(page).toHaveTextContent('initialValue: none');
    expect(page.innerHTML).not.toContain(SENTINEL);
    expect(page).not.toHaveTextContent('initialValue-');

    await userEvent.click(create);
    await waitFor(() => expect(created.values).toBeDefined());
    const [property] = created.values!.secrets[0].properties;
    expect(created.values!.secrets).toEqual([
      {
        name: 'db',
        properties: [
          {
            property: 'pw',
            secretKey: 'DB_PASSWORD',
            initialValue: 'value set',
            valueKey: expect.stringMatching(/^initialValue-[a-z0-9]+$/),
          },
          { property: 'user', secretKey: 'user', initialValue: 'none' },
        ],
      },
    ]);
    expect(created.secrets).toEqual({ [property.valueKey]: SENTINEL });

    // nothing of the value in what the form submits or in the browser's storage
    const kept = [
      JSON.stringify(created.values),
      JSON.stringify({ ...window.localStorage }),
      JSON.stringify({ ...window.sessionStorage }),
    ].join('\n');
    expect(kept).not.toContain(SENTINEL);
  }, 60_000);
});
