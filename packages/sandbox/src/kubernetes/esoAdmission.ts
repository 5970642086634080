import { KubernetesApiError, StatusCause, invalid } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { ResourceType } from './resourceTypes';

type EsoModels =
  typeof import('@kubernetes-models/external-secrets/external-secrets.io/v1');
type EsoAlphaModels =
  typeof import('@kubernetes-models/external-secrets/external-secrets.io/v1alpha1');

let models: Promise<EsoModels & Pick<EsoAlphaModels, 'PushSecret'>> | undefined;

/** The models package is ESM-only: load it once, on first use, with a dynamic import. */
function loadModels() {
  models ??= Promise.all([
    import('@kubernetes-models/external-secrets/external-secrets.io/v1'),
    import('@kubernetes-models/external-secrets/external-secrets.io/v1alpha1'),
  ]).then(([v1, v1alpha1]) => ({ ...v1, PushSecret: v1alpha1.PushSecret }));
  return models;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/spec/data/0/remoteRef` → `spec.data[0].remoteRef`, the API server's way of naming a field. */
/** The segments of a JSON pointer, unescaped (`~1` is `/`, `~0` is `~`). */
function pointerSegments(instancePath: string): string[] {
  return instancePath
    .split('/')
    .filter(Boolean)
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldPath(instancePath: string, child?: string): string {
  const parts = pointerSegments(instancePath);
  if (child) {
    parts.push(child);
  }
  return parts
    .map((part, index) => {
      if (/^\d+$/.test(part)) {
        return `[${part}]`;
      }
      return index === 0 ? part : `.${part}`;
    })
    .join('');
}

function valueAt(object: unknown, instancePath: string): unknown {
  let current = object;
  for (const part of pointerSegments(instancePath)) {
    current = (current as Record<string, unknown> | undefined)?.[part];
  }
  return current;
}

function toCause(object: KubeObject, error: AjvError): StatusCause {
  if (error.keyword === 'required') {
    return {
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: fieldPath(
        error.instancePath,
        String(error.params.missingProperty),
      ),
    };
  }
  const field = fieldPath(error.instancePath);
  const raw = valueAt(object, error.instancePath);
  // Like the API server, name the type of a structured value instead of printing it.
  let value = JSON.stringify(raw);
  if (Array.isArray(raw)) {
    value = '"array"';
  } else if (raw !== null && typeof raw === 'object') {
    value = '"object"';
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params.allowedValues as unknown[])
      .map(v => JSON.stringify(v))
      .join(', ');
    return {
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${value}: supported values: ${allowed}`,
      field,
    };
  }
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${value}: ${field} in body ${error.message}`,
    field,
  };
}

/** The schema check the API server runs from the CRD's OpenAPI schema. */
async function validateSchema(type: ResourceType, object: KubeObject) {
  const all = await loadModels();
  const Model = {
    ExternalSecret: all.ExternalSecret,
    SecretStore: all.SecretStore,
    ClusterSecretStore: all.ClusterSecretStore,
    ClusterExternalSecret: all.ClusterExternalSecret,
    PushSecret: all.PushSecret,
  }[type.kind];
  if (!Model) {
    return;
  }
  try {
    new Model(object as never).validate();
  } catch (error) {
    const errors = (error as { errors?: AjvError[] }).errors;
    if (!errors) {
      throw error;
    }
    // ajv reports one failure per branch tried; the API server reports each field once.
    const causes = new Map<string, StatusCause>();
    for (const cause of errors.map(e => toCause(object, e))) {
      causes.set(`${cause.field}:${cause.message}`, cause);
    }
    throw invalid(type.kind, type.group, object.metadata.name ?? '', [
      ...causes.values(),
    ]);
  }
}

function webhookDenial(webhook: string, problems: string[]) {
  return new KubernetesApiError(
    403,
    'Forbidden',
    `admission webhook "${webhook}" denied the request: ${problems.join(', ')}`,
  );
}

type Spec = Record<string, any>;

function externalSecretProblems(spec: Spec): string[] {
  const problems: string[] = [];
  const data: Spec[] = spec.data ?? [];
  const dataFrom: Spec[] = spec.dataFrom ?? [];
  if (data.length === 0 && dataFrom.length === 0) {
    problems.push('either data or dataFrom should be specified');
  }
  const seen = new Set<string>();
  for (const entry of data) {
    if (seen.has(entry.secretKey)) {
      problems.push(`duplicate secretKey: ${entry.secretKey}`);
    }
    seen.add(entry.secretKey);
  }
  for (const entry of dataFrom) {
    if (!entry.extract && !entry.find && !entry.sourceRef) {
      problems.push(
        'either extract, find, or sourceRef must be set to dataFrom',
      );
    }
  }
  const creationPolicy = spec.target?.creationPolicy ?? 'Owner';
  const deletionPolicy = spec.target?.deletionPolicy ?? 'Retain';
  if (deletionPolicy === 'Delete' && creationPolicy !== 'Owner') {
    problems.push(
      "deletionPolicy=Delete must not be used when the controller doesn't own the secret. Please set creationPolicy=Owner",
    );
  }
  if (deletionPolicy === 'Merge' && creationPolicy === 'None') {
    problems.push(
      'deletionPolicy=Merge must not be used with creationPolicy=None. There is no Secret to merge with',
    );
  }
  return problems;
}

function storeProblems(
  kind: string,
  namespace: string | undefined,
  spec: Spec,
) {
  const problems: string[] = [];
  // validateConditions: every namespace regex must compile (Go's RE2; JavaScript's here)
  ((spec.conditions ?? []) as Spec[]).forEach((condition, ci) => {
    ((condition.namespaceRegexes ?? []) as string[]).forEach((regex, ri) => {
      try {
        RegExp(regex);
      } catch (error) {
        problems.push(
          `failed to compile ${ri}th namespace regex in ${ci}th condition: ${
            (error as Error).message
          }`,
        );
      }
    });
  });
  const providers = Object.keys(spec.provider ?? {});
  if (providers.length !== 1) {
    problems.push(
      `store error for ${kind}: must specify exactly one provider, found ${providers.length}`,
    );
    return problems;
  }
  const vault = spec.provider.vault;
  if (!vault) {
    return problems;
  }
  const isCluster = kind === 'ClusterSecretStore';
  const checkNamespace = (ns: string | undefined, what: string) => {
    if (isCluster && what === 'caProvider' && !ns) {
      problems.push('missing namespace on caProvider secret');
    }
    if (!isCluster && ns && ns !== namespace) {
      problems.push(
        `${what}: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore`,
      );
    }
  };
  if (vault.caProvider) {
    checkNamespace(vault.caProvider.namespace, 'caProvider');
  }
  // ESO's Vault provider (ValidateStore): a namespaced store may only name its own namespace;
  // a ClusterSecretStore may leave it out (referent auth: the ExternalSecret's namespace).
  const kubernetes = vault.auth?.kubernetes;
  for (const [field, ref] of [
    ['Auth.Kubernetes.ServiceAccountRef', kubernetes?.serviceAccountRef],
    ['Auth.Kubernetes.SecretRef', kubernetes?.secretRef],
  ] as const) {
    if (!isCluster && ref?.namespace && ref.namespace !== namespace) {
      problems.push(
        `invalid ${field}: namespace should either be empty or match the namespace of the SecretStore for a namespaced SecretStore`,
      );
    }
  }
  if (vault.auth && Object.keys(vault.auth).length === 0) {
    problems.push('no auth method specified');
  }
  return problems;
}

/** ESO's validating webhooks: rules the CRD schema cannot express. */
function validateWebhookRules(type: ResourceType, object: KubeObject) {
  const spec = (object.spec ?? {}) as Spec;
  if (type.kind === 'ExternalSecret') {
    const problems = externalSecretProblems(spec);
    if (problems.length) {
      throw webhookDenial(
        'validate.externalsecret.external-secrets.io',
        problems,
      );
    }
  }
  if (type.kind === 'SecretStore' || type.kind === 'ClusterSecretStore') {
    const problems = storeProblems(type.kind, object.metadata.namespace, spec);
    if (problems.length) {
      throw webhookDenial(
        `validate.${type.kind.toLowerCase()}.external-secrets.io`,
        problems,
      );
    }
  }
}

/**
 * Admission for ESO objects as a real cluster runs it: the CRD schema first (422 `Invalid`
 * with field causes), then ESO's validating webhooks (denied with the webhook's message).
 * Status-only writes skip the webhooks, as ESO's webhooks only look at spec changes.
 */
export async function admitEsoObject(
  type: ResourceType,
  object: KubeObject,
  options: { statusOnly: boolean },
): Promise<void> {
  if (type.group !== 'external-secrets.io') {
    return;
  }
  await validateSchema(type, object);
  if (!options.statusOnly) {
    validateWebhookRules(type, object);
  }
}
