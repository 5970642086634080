import {
  SecretsContextProvider,
  useTemplateSecrets,
} from '@backstage/plugin-scaffolder-react';
import { renderInTestApp } from '@backstage/test-utils';
import { NAME_RULES } from '@gitops-secrets/plugin-external-secrets-common';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useEffect, useState } from 'react';
import { ExternalSecretsEditor } from './ExternalSecretsEditor';
import { externalSecretsEditorValidation } from './validation';
import type { ExternalSecretsEditorValue } from './value';

interface Seen {
  formData?: ExternalSecretsEditorValue;
  secrets: Record<string, string>;
}

/** The field as the scaffolder's form hosts it: form data held above it, secrets in context. */
function Harness(props: {
  seen: Seen;
  initial?: unknown;
  serviceName?: string;
  rawErrors?: string[];
}) {
  const [formData, setFormData] = useState<any>(props.initial);
  const [shown, setShown] = useState(true);
  const { secrets } = useTemplateSecrets();
  useEffect(() => {
    props.seen.secrets = secrets;
  });
  const fieldProps: any = {
    formData,
    onChange: (value: ExternalSecretsEditorValue) => {
      props.seen.formData = value;
      setFormData(value);
    },
    schema: { title: 'Secrets', description: 'Each becomes `<name>/<secret>`' },
    uiSchema: {},
    rawErrors: props.rawErrors ?? [],
    formContext: { formData: { name: props.serviceName ?? 'orders' } },
  };
  // the form unmounts a step's fields on "Next" and mounts them again on "Back"
  return (
    <>
      <button onClick={() => setShown(current => !current)}>switch step</button>
      {shown && <ExternalSecretsEditor {...fieldProps} />}
    </>
  );
}

async function renderField(
  options: Omit<Parameters<typeof Harness>[0], 'seen'> = {},
) {
  const seen: Seen = { secrets: {} };
  await renderInTestApp(
    <SecretsContextProvider>
      <Harness seen={seen} {...options} />
    </SecretsContextProvider>,
  );
  return seen;
}

const secretGroup = (n: number) =>
  screen.getByRole('group', { name: `Secret ${n}` });
const propertyGroup = (secret: HTMLElement, n: number) =>
  within(secret).getByRole('group', { name: new RegExp(`^Property ${n} of`) });

describe('ExternalSecretsEditor', () => {
  it('starts with one secret and one property, and keeps the description’s placeholders', async () => {
    const seen = await renderField();
    expect(screen.getByText('<name>/<secret>')).toBeInTheDocument();
    expect(seen.formData).toEqual([
      {
        name: '',
        properties: [{ property: '', secretKey: '', initialValue: 'none' }],
      },
    ]);
  });

  it('puts names and mappings into the form data and a value only into the task secrets', async () => {
    const seen = await renderField();
    const secret = secretGroup(1);
    await userEvent.type(within(secret).getByLabelText(/^Secret name/), 'db');
    const first = propertyGroup(secret, 1);
    await userEvent.type(
      within(first).getByLabelText(/^Vault property/),
      'password',
    );
    // the Secret key follows the property until it is edited
    expect(
      within(first).getByLabelText(/^Key in the Kubernetes Secret/),
    ).toHaveValue('password');
    await userEvent.clear(
      within(first).getByLabelText(/^Key in the Kubernetes Secret/),
    );
    await userEvent.type(
      within(first).getByLabelText(/^Key in the Kubernetes Secret/),
      'DB_PASSWORD',
    );
    const valueInput = within(first).getByLabelText(/^Initial value/);
    expect(valueInput).toHaveAttribute('type', 'password');
    await userEvent.type(valueInput, 'S3NT1NEL');

    const [property] = seen.formData![0].properties;
    expect(property).toEqual({
      property: 'password',
      secretKey: 'DB_PASSWORD',
      initialValue: 'value set',
      valueKey: expect.stringMatching(/^initialValue-[a-z0-9]{9}$/),
    });
    expect(seen.secrets).toEqual({ [property.valueKey!]: 'S3NT1NEL' });
    expect(JSON.stringify(seen.formData)).not.toContain('S3NT1NEL');
    expect(
      within(secret).getByText(
        'Vault secret orders/db, Kubernetes Secret orders-db',
      ),
    ).toBeInTheDocument();
  });

  it('forgets a value that is cleared or whose property is removed', async () => {
    const seen = await renderField();
    const secret = secretGroup(1);
    await userEvent.type(within(secret).getByLabelText(/^Secret name/), 'db');
    await userEvent.click(
      within(secret).getByRole('button', { name: 'Add property to secret db' }),
    );
    for (const [n, name, value] of [
      [1, 'username', 'u-S3NT1NEL'],
      [2, 'password', 'p-S3NT1NEL'],
    ] as const) {
      const row = propertyGroup(secret, n);
      await userEvent.type(within(row).getByLabelText(/^Vault property/), name);
      await userEvent.type(within(row).getByLabelText(/^Initial value/), value);
    }
    const [userKey, passKey] = seen.formData![0].properties.map(
      p => p.valueKey!,
    );
    expect(userKey).not.toEqual(passKey);

    await userEvent.clear(
      within(propertyGroup(secret, 1)).getByLabelText(/^Initial value/),
    );
    expect(seen.formData![0].properties[0]).toEqual({
      property: 'username',
      secretKey: 'username',
      initialValue: 'none',
    });
    expect(seen.secrets[userKey]).toBe('');

    await userEvent.click(
      within(secret).getByRole('button', {
        name: 'Remove property password of secret db',
      }),
    );
    expect(seen.formData![0].properties).toHaveLength(1);
    expect(seen.secrets[passKey]).toBe('');
    expect(Object.values(seen.secrets).join('')).not.toContain('S3NT1NEL');
  });

  it('shows a value typed earlier, masked, when the step is opened again', async () => {
    const seen = await renderField();
    await userEvent.type(
      within(propertyGroup(secretGroup(1), 1)).getByLabelText(/^Initial value/),
      'kept',
    );
    const switchStep = screen.getByRole('button', { name: 'switch step' });
    await userEvent.click(switchStep);
    expect(screen.queryByRole('group', { name: 'Secret 1' })).toBeNull();
    await userEvent.click(switchStep);
    const input = within(propertyGroup(secretGroup(1), 1)).getByLabelText(
      /^Initial value/,
    );
    expect(input).toHaveValue('kept');
    expect(input).toHaveAttribute('type', 'password');
    expect(seen.formData![0].properties[0].initialValue).toBe('value set');
  });

  it('says what is wrong with a field in the common rule’s words once the user leaves it', async () => {
    await renderField();
    const secret = secretGroup(1);
    const name = within(secret).getByLabelText(/^Secret name/);
    await userEvent.type(name, 'DB');
    expect(
      screen.queryByText(/is not a DNS-1123 subdomain/),
    ).not.toBeInTheDocument();
    fireEvent.blur(name);
    expect(
      within(secret).getByText(
        `"DB" is not ${NAME_RULES.kubernetesObjectName.description}`,
      ),
    ).toBeInTheDocument();
  });

  it('shows every problem after "Next", duplicates included', async () => {
    await renderField({
      rawErrors: ['problems'],
      initial: [
        {
          name: 'db',
          properties: [
            { property: 'a', secretKey: 'K', initialValue: 'none' },
            { property: 'b', secretKey: 'K', initialValue: 'none' },
          ],
        },
        {
          name: 'db',
          properties: [
            { property: 'a b', secretKey: 'x', initialValue: 'none' },
          ],
        },
      ],
    });
    expect(
      within(secretGroup(1)).getByText(/^duplicate secretKey "K"/),
    ).toBeInTheDocument();
    expect(
      within(secretGroup(2)).getByText('"db" is listed twice'),
    ).toBeInTheDocument();
    expect(
      within(secretGroup(2)).getByText(
        /^"a b" is not a property of a Vault secret/,
      ),
    ).toBeInTheDocument();
  });
});

describe('externalSecretsEditorValidation', () => {
  const validate = (value: unknown, serviceName = 'orders') => {
    const errors: string[] = [];
    externalSecretsEditorValidation(
      value as ExternalSecretsEditorValue,
      { addError: (message: string) => errors.push(message) } as any,
      { formData: { name: serviceName }, apiHolder: {} as any, schema: {} },
    );
    return errors;
  };

  it('passes a valid list', () => {
    expect(
      validate([
        {
          name: 'db',
          properties: [
            {
              property: 'password',
              secretKey: 'DB_PASSWORD',
              initialValue: 'none',
            },
          ],
        },
      ]),
    ).toEqual([]);
  });

  it('names each problem by secret, property and field, with the rule', () => {
    expect(
      validate([
        {
          name: 'db',
          properties: [
            { property: 'a', secretKey: 'K', initialValue: 'none' },
            { property: '', secretKey: 'K', initialValue: 'none' },
          ],
        },
        { name: 'x'.repeat(250), properties: [] },
      ]),
    ).toEqual([
      `Secret 1 (db), property 2, Vault property: must not be empty: ${NAME_RULES.vaultProperty.description}`,
      'Secret 1 (db), property 2, key in the Kubernetes Secret: duplicate secretKey "K": each key of the Kubernetes Secret comes from one property',
      expect.stringMatching(
        /^Secret 2 \(x+\), name: makes the ExternalSecret and Secret name is 257 characters long/,
      ),
      expect.stringMatching(
        /^Secret 2 \(x+\), properties: give at least one property$/,
      ),
    ]);
    expect(validate([])).toEqual(['Secrets: give at least one secret']);
  });
});
