/**
 * One Vault property of a secret and the key it gets in the Kubernetes Secret. The form data
 * says only whether an initial value was typed; the value itself is in the task's secrets
 * under `valueKey`.
 *
 * @public
 */
export interface ExternalSecretsEditorProperty {
  property: string;
  secretKey: string;
  /** `value set` when the user typed an initial value, `none` otherwise */
  initialValue: 'value set' | 'none';
  /** the name of the task secret that holds the value (present only when one is set) */
  valueKey?: string;
}

/**
 * One secret of the service: `<service>/<name>` in Vault, ExternalSecret and Secret
 * `<service>-<name>` in Kubernetes.
 *
 * @public
 */
export interface ExternalSecretsEditorSecret {
  name: string;
  properties: ExternalSecretsEditorProperty[];
}

/**
 * What the `ExternalSecretsEditor` field puts into the form data.
 *
 * @public
 */
export type ExternalSecretsEditorValue = ExternalSecretsEditorSecret[];

/** The name templates use: `ui:field: ExternalSecretsEditor`. */
export const EXTERNAL_SECRETS_EDITOR_FIELD = 'ExternalSecretsEditor';

/** The prefix of every task secret the field writes; `vault:kv:seed` reads them by name. */
export const VALUE_KEY_PREFIX = 'initialValue-';

export const emptyProperty = (): ExternalSecretsEditorProperty => ({
  property: '',
  secretKey: '',
  initialValue: 'none',
});

export const emptySecret = (): ExternalSecretsEditorSecret => ({
  name: '',
  properties: [emptyProperty()],
});

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The field's form data in its full shape, whatever the form started with (react-jsonschema
 * form may hand over `undefined` or `[{}]` for an array with `minItems`).
 */
export function normalizeValue(value: unknown): ExternalSecretsEditorValue {
  const secrets = Array.isArray(value) && value.length > 0 ? value : [{}];
  return secrets.map((secret: any) => {
    const properties =
      Array.isArray(secret?.properties) && secret.properties.length > 0
        ? secret.properties
        : [{}];
    return {
      name: text(secret?.name),
      properties: properties.map((p: any) => {
        const valueKey =
          typeof p?.valueKey === 'string' &&
          p.valueKey.startsWith(VALUE_KEY_PREFIX)
            ? p.valueKey
            : undefined;
        return {
          property: text(p?.property),
          secretKey: text(p?.secretKey),
          initialValue: valueKey ? 'value set' : 'none',
          ...(valueKey ? { valueKey } : {}),
        };
      }),
    };
  });
}

/**
 * A new task-secret name: random, so that removing or reordering rows never moves a value to
 * another property. Letters and digits only, as `vault:kv:seed` accepts.
 */
export function newValueKey(): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  return `${VALUE_KEY_PREFIX}${Array.from(bytes, b =>
    (b % 36).toString(36),
  ).join('')}`;
}
