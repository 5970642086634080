import fs from 'node:fs';
import path from 'node:path';
import { customizeValidator } from '@rjsf/validator-ajv8';
import ajvErrors from 'ajv-errors';
import { parse } from 'yaml';
import {
  NAME_RULES,
  type NameKind,
} from '@gitops-secrets/plugin-external-secrets-common';

// The template this app registers (app-config.yaml → catalog.locations).
const TEMPLATE_FILE = path.resolve(
  __dirname,
  '../../../templates/new-service-with-secrets/template.yaml',
);
const template = parse(fs.readFileSync(TEMPLATE_FILE, 'utf8'));
const steps: any[] = template.spec.parameters;

// The validator the scaffolder's form uses (plugin-scaffolder-react's Stepper): ajv8 with
// ajv-errors, so a schema's `errorMessage` replaces ajv's own text.
const validator = customizeValidator();
ajvErrors(validator.ajv as any);

/** Every property schema of the form with its dotted path, nested arrays and objects included. */
function fields(
  schema: any,
  prefix = '',
): Array<{ path: string; schema: any }> {
  const found: Array<{ path: string; schema: any }> = [];
  for (const [key, child] of Object.entries<any>(schema.properties ?? {})) {
    const here = prefix ? `${prefix}.${key}` : key;
    found.push({ path: here, schema: child });
    found.push(...fields(child, here));
    if (child.items) {
      found.push(...fields(child.items, `${here}[]`));
    }
  }
  return found;
}

const allFields = steps.flatMap(step => fields(step));

function stepOf(field: string) {
  const step = steps.find(s => s.properties?.[field]);
  if (!step) {
    throw new Error(`no step has the field ${field}`);
  }
  return step;
}

function errorsFor(field: string, formData: Record<string, unknown>) {
  return validator
    .validateFormData(formData, stepOf(field))
    .errors.map(error => error.stack);
}

// Each name the form asks for, with the rule the actions enforce on it.
const NAME_FIELDS: Record<string, NameKind> = {
  name: 'serviceName',
  namespace: 'kubernetesNamespace',
  kvMount: 'vaultMount',
  'secrets[].name': 'kubernetesObjectName',
  'secrets[].properties[].property': 'vaultProperty',
  'secrets[].properties[].secretKey': 'secretDataKey',
};

describe('the "New service with secrets" form', () => {
  it.each(Object.entries(NAME_FIELDS))(
    '%s follows the %s rule of the common package, and says it in words',
    (field, kind) => {
      const { schema } = allFields.find(f => f.path === field)!;
      const rule = NAME_RULES[kind];
      expect(schema.pattern).toBe(rule.pattern);
      expect(schema.maxLength).toBe(rule.maxLength);
      expect(schema.errorMessage).toEqual({
        pattern: `must be ${rule.description}`,
        maxLength: `must be ${rule.description}`,
      });
    },
  );

  it('answers a name that breaks the rule with the rule in words, not a regular expression', () => {
    expect(
      errorsFor('name', {
        name: 'Payments_API',
        owner: 'group:default/a',
        cluster: 'sandbox',
      }),
    ).toEqual([`'Name' must be ${NAME_RULES.serviceName.description}`]);
    expect(
      errorsFor('name', {
        name: 'a'.repeat(64),
        owner: 'group:default/a',
        cluster: 'sandbox',
      }),
    ).toEqual([`'Name' must be ${NAME_RULES.serviceName.description}`]);
    expect(
      errorsFor('kvMount', { kvMount: 'secret/', refreshInterval: '2m' }),
    ).toEqual([
      `'Vault KV mount' must be ${NAME_RULES.vaultMount.description}`,
    ]);
    expect(
      errorsFor('refreshInterval', { kvMount: 'secret', refreshInterval: '2' }),
    ).toEqual([
      `'Refresh interval' must be a duration such as "2m", "1h" or "1h30m": numbers each followed by ms, s, m or h`,
    ]);
  });

  it('accepts what the rules allow', () => {
    expect(
      errorsFor('name', {
        name: 'payments-api',
        namespace: 'payments',
        owner: 'group:default/a',
        cluster: 'sandbox',
      }),
    ).toEqual([]);
    expect(
      errorsFor('kvMount', { kvMount: 'team/kv', refreshInterval: '1h30m' }),
    ).toEqual([]);
  });

  it('asks where the service runs with the cluster picker, offering only onboarded clusters, and passes the cluster to the role and the manifests', () => {
    const service = stepOf('cluster');
    expect(service.required).toContain('cluster');
    expect(service.properties.cluster).toMatchObject({
      'ui:field': 'ExternalSecretsClusterPicker',
      'ui:options': { requireOnboarded: true },
    });
    expect(
      errorsFor('cluster', { name: 'orders', owner: 'group:default/a' }),
    ).toEqual([`must have required property 'Cluster'`]);
    expect(
      errorsFor('cluster', {
        name: 'orders',
        owner: 'group:default/a',
        cluster: 'edge/../x',
      }),
    ).toEqual([
      `'Cluster' must be a cluster name of externalSecrets.clusters: letters, digits, "-", "_" and ".", starting and ending with a letter or digit`,
    ]);
    const actionSteps: any[] = template.spec.steps;
    for (const id of ['role', 'manifests']) {
      expect(actionSteps.find(step => step.id === id).input.cluster).toBe(
        '${{ parameters.cluster }}',
      );
    }
    // how the cluster's mount reviews tokens decides the store account's auth-delegator binding
    expect(
      actionSteps.find(step => step.id === 'manifests').input.reviewerMode,
    ).toBe('${{ steps.role.output.reviewerMode }}');
  });

  it('gives every pattern a message in words', () => {
    const bare = allFields
      .filter(f => f.schema.pattern && !f.schema.errorMessage?.pattern)
      .map(f => f.path);
    expect(bare).toEqual([]);
  });

  it('writes placeholders in descriptions as code, so Markdown does not take them for HTML', () => {
    const texts = [
      template.metadata.description,
      ...steps.map(s => s.description),
      ...allFields.map(f => f.schema.description),
    ].filter((text): text is string => typeof text === 'string');
    const outsideCode = texts
      .map(text => text.replace(/`[^`]*`/g, ''))
      .filter(text => /<[a-z][^>]*>/i.test(text));
    expect(outsideCode).toEqual([]);
  });

  it('edits secrets, properties and initial values in one field; values never in the form data', () => {
    const secrets = stepOf('secrets');
    expect(secrets.properties.secrets['ui:field']).toBe(
      'ExternalSecretsEditor',
    );
    expect(allFields.map(f => f.path)).not.toContain('initialValues');
    const property = allFields.find(
      f => f.path === 'secrets[].properties[].initialValue',
    )!.schema;
    // the form data says whether a value was typed, nothing more; the review hides where it is
    expect(property.enum).toEqual(['value set', 'none']);
    expect(
      allFields.find(f => f.path === 'secrets[].properties[].valueKey')!.schema[
        'ui:backstage'
      ],
    ).toEqual({ review: { show: false } });
    expect(
      errorsFor('secrets', {
        secrets: [
          {
            name: 'db',
            properties: [
              {
                property: 'password',
                secretKey: 'DB_PASSWORD',
                initialValue: 'value set',
                valueKey: 'initialValue-k3x9q2',
              },
            ],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('offers the repository hosts of development and of github.com, github.com first', () => {
    for (const field of ['gitopsRepoUrl', 'repoUrl']) {
      const { schema } = allFields.find(f => f.path === field)!;
      expect(schema['ui:field']).toBe('RepoUrlPicker');
      // the picker preselects the first host even when app-config does not configure it
      expect(schema['ui:options'].allowedHosts).toEqual([
        'github.com',
        '127.0.0.1:7080',
      ]);
    }
  });
});
