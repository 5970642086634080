import type { FindingCode } from '@gitops-secrets/plugin-external-secrets-common';

/**
 * Failure texts of PushSecrets and ClusterExternalSecrets as ESO, Vault and the API server
 * write them, each with where it was found (see `../corpus.ts` for the conventions). Rows that
 * expect nothing, or `UNRECOGNISED_ERROR`, are near misses: texts that look like a catalogued
 * cause but are not, which diagnosis must not name.
 */
export interface KindsCorpusRow {
  id: string;
  object: 'PushSecret' | 'ClusterExternalSecret';
  /** the text ESO writes (for a CES: one `status.failedNamespaces[].reason`) */
  text: string;
  source: string;
  versions: string;
  channel: 'Event' | 'condition' | 'status.failedNamespaces' | 'status';
  /** the codes a correct diagnosis names (empty: none) */
  expect: FindingCode[];
  setup?: {
    /** PushSecret: the Ready condition's reason (default `Errored`, `Synced` with status True) */
    reason?: 'Errored' | 'Synced' | 'SourceDeleted';
    updatePolicy?: 'IfNotExists';
    deletionPolicy?: 'Delete';
    /** CES: provisioned namespaces (default none), and whether ESO reported at all */
    provisioned?: string[];
    unreported?: boolean;
    /** CES: the provisioned ExternalSecret fails with this Event text */
    childFails?: boolean;
  };
}

const ESO_V29 = 'external-secrets/external-secrets@v2.9.0';
const PS_CONTROLLER = `${ESO_V29} pkg/controllers/pushsecret/pushsecret_controller.go`;
const VAULT_PUSH = `${ESO_V29} providers/v1/vault/client_push.go`;
const VAULT_GET = `${ESO_V29} providers/v1/vault/client_get.go`;
const CES_CONTROLLER = `${ESO_V29} pkg/controllers/clusterexternalsecret/clusterexternalsecret_controller.go`;
const GH = 'https://github.com/';
const VAULT = 'https://vault.example.test:8200';

const vault403 = (method: string, path: string) =>
  `Error making API request.\n\nURL: ${method} ${VAULT}/v1/${path}\nCode: 403. Errors:\n\n* 1 error occurred:\n\t* permission denied\n\n`;
const writeRef = (cause: string) =>
  `set secret failed: could not write remote ref dotenv to target secretstore vault-example-api: ${cause}`;

export const KINDS_CORPUS: KindsCorpusRow[] = [
  // ── PushSecret ────────────────────────────────────────────────────────────────────────────
  {
    id: 'push-source-missing',
    object: 'PushSecret',
    text: 'could not get source secret',
    source: `${PS_CONTROLLER} (errFailedGetSecret, markAsFailed)`,
    versions: 'ESO ≥ 0.8 (PushSecret v1alpha1)',
    channel: 'Event',
    expect: ['PUSH_SOURCE_SECRET_MISSING'],
  },
  {
    id: 'push-key-missing',
    object: 'PushSecret',
    text: 'set secret failed: secret key tls.key does not exist',
    source: `${PS_CONTROLLER} (pushSecretEntry "secret key %v does not exist", errFailedSetSecret)`,
    versions: 'ESO ≥ 0.9',
    channel: 'condition',
    expect: ['PUSH_SECRET_KEY_MISSING'],
  },
  {
    id: 'push-not-managed-0.9.20',
    object: 'PushSecret',
    text: 'set secret failed: could not write remote ref sourcekey1 to target secretstore qa-demo-mtls-eso-vault-store: secret not managed by external-secrets',
    source: `${GH}external-secrets/external-secrets/issues/4028`,
    versions: 'ESO v0.9.20',
    channel: 'Event',
    expect: ['PUSH_NOT_MANAGED_BY_ESO'],
  },
  {
    id: 'push-not-managed-bare',
    object: 'PushSecret',
    text: 'secret not managed by external-secrets',
    source: `${GH}external-secrets/external-secrets/issues/3788`,
    versions: 'ESO v0.10',
    channel: 'Event',
    expect: ['PUSH_NOT_MANAGED_BY_ESO'],
    // the poster quotes only the provider's text
  },
  {
    id: 'push-kv1-secret-not-found',
    object: 'PushSecret',
    text: 'set secret failed: could not write remote ref cert to target secretstore writer: secret not found',
    source: `${GH}external-secrets/external-secrets/issues/2446`,
    versions: 'ESO v0.8 (KV v1 mount, 2023)',
    channel: 'Event',
    // near miss: neither the source Secret nor its key is missing; older ESO could not push to KV v1
    expect: ['UNRECOGNISED_ERROR'],
  },
  {
    id: 'push-write-data-403',
    object: 'PushSecret',
    text: writeRef(vault403('PUT', 'secret/data/example-api/env-file')),
    source: `${PS_CONTROLLER} (errSetSecretFailed) + ${GH}hashicorp/vault/issues/6554 (403 on PUT secret/data/…)`,
    versions: 'ESO ≥ 0.9, Vault ≥ 1.0',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
  },
  {
    id: 'push-write-metadata-403',
    object: 'PushSecret',
    text: writeRef(vault403('PUT', 'secret/metadata/example-api/env-file')),
    source: `${VAULT_PUSH} (metadata written before the data) + ${GH}external-secrets/external-secrets/pull/2329 (push needs data and metadata permissions)`,
    versions: 'ESO ≥ 0.8.2, Vault KV v2',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
  },
  {
    id: 'push-read-before-write-403',
    object: 'PushSecret',
    text: writeRef(
      `cannot read secret data from Vault: ${vault403(
        'GET',
        'secret/data/example-api/env-file',
      )}`,
    ),
    source: `${VAULT_PUSH} (reads the secret first) + ${VAULT_GET} (errReadSecret)`,
    versions: 'ESO ≥ 0.9',
    channel: 'Event',
    // near miss: an ExternalSecret read denial (POLICY_DENIES_PATH) has the same inner text
    expect: ['PUSH_POLICY_DENIES'],
  },
  {
    id: 'push-read-metadata-403',
    object: 'PushSecret',
    text: writeRef(
      `cannot read secret data from Vault: ${vault403(
        'GET',
        'secret/metadata/example-api/env-file',
      )}`,
    ),
    source: `${VAULT_GET} (readSecretMetadata, errReadSecret) + ${GH}hashicorp/terraform-provider-vault/issues/1885 (403 on GET metadata)`,
    versions: 'ESO ≥ 0.9, Vault KV v2',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
  },
  {
    id: 'push-if-not-exists-check-403',
    object: 'PushSecret',
    text: `set secret failed: could not verify if secret exists in store: cannot read secret data from Vault: ${vault403(
      'GET',
      'secret/data/example-api/env-file',
    )}`,
    source: `${PS_CONTROLLER} (pushSecretEntry, updatePolicy IfNotExists) + ${VAULT_GET} (SecretExists)`,
    versions: 'ESO ≥ 0.9.14',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
    setup: { updatePolicy: 'IfNotExists' },
  },
  {
    id: 'push-cas-required',
    object: 'PushSecret',
    text: writeRef(
      `Error making API request.\n\nURL: PUT ${VAULT}/v1/secret/data/example-api/env-file\nCode: 400. Errors:\n\n* check-and-set parameter required for this call`,
    ),
    source: `${PS_CONTROLLER} (errSetSecretFailed) + hashicorp/vault-plugin-secrets-kv path_data.go ("check-and-set parameter required for this call")`,
    versions: 'ESO ≥ 0.9, Vault KV v2 with cas_required',
    channel: 'Event',
    expect: ['PUSH_CAS_REQUIRED'],
  },
  {
    id: 'push-delete-data-403',
    object: 'PushSecret',
    text: `Failed to Delete Secrets from Provider: could not delete secret example-api/old-env: ${vault403(
      'DELETE',
      'secret/data/example-api/old-env',
    )}`,
    source: `${PS_CONTROLLER} (deletionPolicy Delete, DeleteSecretFromProviders) + ${VAULT_PUSH} (DeleteSecret)`,
    versions: 'ESO ≥ 0.9',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
    setup: { deletionPolicy: 'Delete' },
  },
  {
    id: 'push-delete-metadata-403',
    object: 'PushSecret',
    text: `Failed to Delete Secrets from Provider: could not delete secret metadata example-api/old-env: ${vault403(
      'DELETE',
      'secret/metadata/example-api/old-env',
    )}`,
    source: `${PS_CONTROLLER} + ${VAULT_PUSH} (DeleteSecret: data, then metadata)`,
    versions: 'ESO ≥ 0.9, Vault KV v2',
    channel: 'Event',
    expect: ['PUSH_POLICY_DENIES'],
    setup: { deletionPolicy: 'Delete' },
  },
  {
    id: 'push-login-403',
    object: 'PushSecret',
    text: 'set secret failed: could not get secrets client for store vault-example-api: unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request.\n\nURL: PUT https://somevault.com:8200/v1/auth/kubernetes/login\nCode: 403. Errors:\n\n* permission denied',
    source: `${PS_CONTROLLER} (handlePushSecretDataForStore) + ${GH}external-secrets/external-secrets/issues/2560 (the login answer)`,
    versions: 'ESO ≥ 0.9, Vault ≥ 1.11',
    channel: 'Event',
    // near miss: a 403, but on login: not the policy of the pushed path
    expect: ['VAULT_LOGIN_DENIED'],
  },
  {
    id: 'push-login-unknown-ca',
    object: 'PushSecret',
    text: 'set secret failed: could not get secrets client for store vault-example-api: unable to log in to auth method: unable to log in with Kubernetes auth: Put "https://xxx/v1/auth/xx-les-dev/login": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    source: `${PS_CONTROLLER} + ${GH}external-secrets/external-secrets/issues/3389 (the login error)`,
    versions: 'ESO ≥ 0.9, Go ≥ 1.20',
    channel: 'Event',
    expect: ['VAULT_CA_UNTRUSTED'],
  },
  {
    id: 'push-store-missing',
    object: 'PushSecret',
    text: 'could not get ClusterSecretStore "vault-old", clustersecretstores.external-secrets.io "vault-old" not found',
    source: `${PS_CONTROLLER} (errGetClusterSecretStore) + the API server's NotFound text`,
    versions: 'ESO ≥ 0.9',
    channel: 'condition',
    expect: ['STORE_MISSING'],
  },
  {
    id: 'push-dataTo-store-not-listed',
    object: 'PushSecret',
    text: 'dataTo[0]: storeRef "vault-other" not found in secretStoreRefs',
    source: `${PS_CONTROLLER} (validateDataToStoreRefs)`,
    versions: 'ESO ≥ 2.6 (dataTo)',
    channel: 'condition',
    // near miss: "not found", but the store exists; the spec is inconsistent
    expect: ['UNRECOGNISED_ERROR'],
  },
  {
    id: 'push-synced-if-not-exists',
    object: 'PushSecret',
    text: 'PushSecret synced successfully. Existing secrets in providers unchanged.',
    source: `${PS_CONTROLLER} (markAsDone with updatePolicy IfNotExists)`,
    versions: 'ESO ≥ 0.9.14',
    channel: 'condition',
    expect: ['PUSH_IF_NOT_EXISTS_KEPT'],
    setup: { reason: 'Synced', updatePolicy: 'IfNotExists' },
  },
  {
    id: 'push-synced-replace',
    object: 'PushSecret',
    text: 'PushSecret synced successfully',
    source: `${PS_CONTROLLER} (markAsDone)`,
    versions: 'ESO ≥ 0.8',
    channel: 'condition',
    // near miss: healthy, nothing to say
    expect: [],
    setup: { reason: 'Synced' },
  },
  {
    id: 'push-source-deleted',
    object: 'PushSecret',
    text: 'source secret deleted; provider secrets cleaned up',
    source: `${PS_CONTROLLER} (markAsSourceDeleted, reason SourceDeleted)`,
    versions: 'ESO ≥ 2.3',
    channel: 'condition',
    expect: ['PUSH_SOURCE_DELETED'],
    setup: { reason: 'SourceDeleted', deletionPolicy: 'Delete' },
  },
  // ── ClusterExternalSecret ─────────────────────────────────────────────────────────────────
  {
    id: 'ces-name-taken',
    object: 'ClusterExternalSecret',
    text: 'external secret already exists in namespace',
    source: `${CES_CONTROLLER} (gatherProvisionedNamespaces)`,
    versions: 'ESO ≥ 0.9',
    channel: 'status.failedNamespaces',
    expect: ['CES_EXTERNAL_SECRET_CONFLICT'],
  },
  {
    id: 'ces-create-failed-0.5',
    object: 'ClusterExternalSecret',
    text: 'could not create or update ExternalSecret',
    source: `${GH}external-secrets/external-secrets/issues/1337`,
    versions: 'ESO v0.5 (2022)',
    channel: 'status.failedNamespaces',
    // near miss: the maintainer suspected a name clash, but the text does not say so
    expect: ['UNRECOGNISED_ERROR'],
  },
  {
    id: 'ces-webhook-no-data',
    object: 'ClusterExternalSecret',
    text: 'could not create or update ExternalSecret: admission webhook "validate.externalsecret.external-secrets.io" denied the request: either data or dataFrom should be specified',
    source: `${CES_CONTROLLER} ("could not create or update ExternalSecret: %w") + ${ESO_V29} apis/externalsecrets/v1/externalsecret_validator.go + deploy/charts/external-secrets/templates/validatingwebhook.yaml`,
    versions: 'ESO ≥ 0.9',
    channel: 'status.failedNamespaces',
    expect: ['CES_EXTERNAL_SECRET_REJECTED'],
  },
  {
    id: 'ces-webhook-deletion-policy',
    object: 'ClusterExternalSecret',
    text: 'could not create or update ExternalSecret: admission webhook "validate.externalsecret.external-secrets.io" denied the request: deletionPolicy=Delete must not be used when the controller doesn\'t own the secret. Please set creationPolicy=Owner',
    source: `${CES_CONTROLLER} + ${ESO_V29} apis/externalsecrets/v1/externalsecret_validator.go (validatePolicies)`,
    versions: 'ESO ≥ 0.9',
    channel: 'status.failedNamespaces',
    expect: ['CES_EXTERNAL_SECRET_REJECTED'],
  },
  {
    id: 'ces-namespace-terminating',
    object: 'ClusterExternalSecret',
    text: 'could not create or update ExternalSecret: externalsecrets.external-secrets.io "db-credentials" is forbidden: unable to create new content in namespace team-a because it is being terminated',
    source: `${CES_CONTROLLER} + kubernetes/kubernetes plugin/pkg/admission/namespace/lifecycle/admission.go`,
    versions: 'ESO ≥ 0.9, Kubernetes ≥ 1.10',
    channel: 'status.failedNamespaces',
    expect: ['CES_NAMESPACE_TERMINATING'],
  },
  {
    id: 'ces-rbac-forbidden',
    object: 'ClusterExternalSecret',
    text: 'could not create or update ExternalSecret: externalsecrets.external-secrets.io "db-credentials" is forbidden: User "system:serviceaccount:external-secrets:external-secrets" cannot create resource "externalsecrets" in API group "external-secrets.io" in the namespace "team-a"',
    source: `${CES_CONTROLLER} + kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (forbidden message)`,
    versions: 'ESO ≥ 0.9, Kubernetes ≥ 1.14',
    channel: 'status.failedNamespaces',
    // near miss: "is forbidden" like the terminating namespace, but it is RBAC
    expect: ['UNRECOGNISED_ERROR'],
  },
  {
    id: 'ces-no-namespace-selected',
    object: 'ClusterExternalSecret',
    text: 'status: {externalSecretName: db-credentials, conditions: [{type: Ready, status: "True"}]}',
    source: `${ESO_V29} pkg/controllers/clusterexternalsecret/util.go (NewClusterExternalSecretCondition: Ready True without message when no namespace failed) + ${CES_CONTROLLER} (no target namespace, nothing provisioned)`,
    versions: 'ESO ≥ 0.9',
    channel: 'status',
    expect: ['CES_NO_NAMESPACE_SELECTED'],
  },
  {
    id: 'ces-provisioned',
    object: 'ClusterExternalSecret',
    text: 'status: {externalSecretName: db-credentials, provisionedNamespaces: [team-a], conditions: [{type: Ready, status: "True"}]}',
    source: `${ESO_V29} pkg/controllers/clusterexternalsecret/util.go`,
    versions: 'ESO ≥ 0.9',
    channel: 'status',
    // near miss: healthy
    expect: [],
    setup: { provisioned: ['team-a'] },
  },
  {
    id: 'ces-not-reported',
    object: 'ClusterExternalSecret',
    text: 'status: {}',
    source: `${CES_CONTROLLER} (status is written by the first reconcile)`,
    versions: 'ESO ≥ 0.9',
    channel: 'status',
    // near miss: nothing provisioned because ESO has not looked yet, not because nothing matches
    expect: [],
    setup: { unreported: true },
  },
  {
    id: 'ces-child-property-missing',
    object: 'ClusterExternalSecret',
    text: 'error processing spec.data[0] (key: example-api/env-file), err: cannot find secret data for key: "dotenv"',
    source: `${ESO_V29} pkg/controllers/externalsecret/externalsecret_controller_secret.go + ${VAULT_GET} (errSecretKeyFmt), on the provisioned ExternalSecret`,
    versions: 'ESO ≥ 0.10',
    channel: 'Event',
    expect: ['CES_EXTERNAL_SECRET_FAILING'],
    setup: { provisioned: ['team-a'], childFails: true },
  },
];
