import {
  kvApiPath,
  kvListPath,
  type KvVersion,
  type StatusCondition,
} from '@gitops-secrets/plugin-external-secrets-common';
import { boundText, failingKeyOf, parseErrorText } from './errorText';
import type {
  DiagnosisContext,
  DiagnosisInput,
  RefTarget,
  RowMessage,
} from './types';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

const list = <T>(value: unknown): T[] =>
  Array.isArray(value)
    ? (value.filter(v => v && typeof v === 'object') as T[])
    : [];

function readyOf(conditions: unknown): StatusCondition | undefined {
  return list<StatusCondition>(conditions).find(c => c.type === 'Ready');
}

/** The refs an ExternalSecret resolves, with the Vault paths ESO uses for each. */
export function refTargets(
  spec: DiagnosisInput['externalSecret']['spec'],
  mount: string,
  version: KvVersion,
): RefTarget[] {
  const refs: RefTarget[] = [];
  for (const d of list<NonNullable<NonNullable<typeof spec>['data']>[number]>(
    spec?.data,
  )) {
    const key = text(d.remoteRef?.key);
    if (key) {
      refs.push({
        source: 'data',
        key,
        property: text(d.remoteRef?.property),
        path: kvApiPath(mount, key, version, 'data'),
        metadataPath: kvApiPath(mount, key, version, 'metadata'),
      });
    }
  }
  for (const d of list<
    NonNullable<NonNullable<typeof spec>['dataFrom']>[number]
  >(spec?.dataFrom)) {
    const extractKey = text(d.extract?.key);
    if (extractKey) {
      refs.push({
        source: 'extract',
        key: extractKey,
        property: text(d.extract?.property),
        path: kvApiPath(mount, extractKey, version, 'data'),
        metadataPath: kvApiPath(mount, extractKey, version, 'metadata'),
      });
    } else if (d.find && typeof d.find === 'object') {
      const findPath = text(d.find.path) ?? '';
      refs.push({
        source: 'find',
        key: findPath,
        path: kvListPath(mount, findPath, version),
        metadataPath: kvListPath(mount, findPath, version),
      });
    }
  }
  return refs;
}

/** `kubectl describe` for the object a message is on. */
export function describeCommand(
  kind: string,
  name: string,
  namespace?: string,
) {
  return `kubectl describe ${kind.toLowerCase()} ${name}${
    namespace ? ` -n ${namespace}` : ''
  }`;
}

/** Derives, once, everything the rules read. Tolerates any shape of object. */
export function buildContext(input: DiagnosisInput): DiagnosisContext {
  const es = input.externalSecret ?? {};
  const namespace = text(es.metadata?.namespace) ?? '';
  const name = text(es.metadata?.name) ?? '';
  const externalSecretRef = `${namespace}/${name}`;
  const storeKind =
    input.storeKind === 'ClusterSecretStore'
      ? 'ClusterSecretStore'
      : 'SecretStore';
  const storeNamespace = storeKind === 'SecretStore' ? namespace : undefined;
  const storeRef = `${storeKind}/${input.storeName}`;
  const store = input.store;
  const vaultSpec =
    store?.spec?.provider?.vault &&
    typeof store.spec.provider.vault === 'object'
      ? store.spec.provider.vault
      : undefined;
  const k8sAuth = vaultSpec?.auth?.kubernetes;
  const sa = k8sAuth?.serviceAccountRef;
  const mount = (text(vaultSpec?.path) ?? '').replace(/^\/+|\/+$/g, '');
  const storeKvVersion: KvVersion = vaultSpec?.version === 'v1' ? 1 : 2;
  const storeReady = readyOf(store?.status?.conditions);
  const esReady = readyOf(es.status?.conditions);
  const classification = input.classification;

  const messages: RowMessage[] = [];
  const esDescribe = describeCommand('externalsecret', name, namespace);
  const storeDescribe = describeCommand(
    storeKind,
    input.storeName,
    storeNamespace,
  );
  const esObject = `ExternalSecret ${externalSecretRef}`;
  const storeObject = `${storeKind} ${
    storeNamespace ? `${storeNamespace}/` : ''
  }${input.storeName}`;
  const push = (m: Omit<RowMessage, 'text'> & { text: unknown }) => {
    const bounded = boundText(m.text).text;
    if (bounded && !messages.some(x => x.text === bounded)) {
      messages.push({ ...m, text: bounded });
    }
  };
  push({
    object: esObject,
    describe: esDescribe,
    channel: 'event',
    text: input.externalSecretWarning?.message,
  });
  push({
    object: storeObject,
    describe: storeDescribe,
    channel: 'event',
    text: input.storeWarning?.message,
  });
  if (esReady?.status === 'False') {
    push({
      object: esObject,
      describe: esDescribe,
      channel: 'condition',
      text: esReady.message,
    });
  }
  if (storeReady?.status === 'False') {
    push({
      object: storeObject,
      describe: storeDescribe,
      channel: 'condition',
      text: storeReady.message,
    });
  }
  const error = parseErrorText(messages.map(m => m.text));
  const failingKey = failingKeyOf(error.text);
  const refs = refTargets(es.spec, mount, storeKvVersion);
  const failingRefs = failingKey
    ? refs.filter(r => r.key === failingKey)
    : refs;

  return {
    input,
    classification,
    externalSecretRef,
    storeRef,
    storeKind,
    storeName: input.storeName,
    storeNamespace,
    storeReady,
    vaultSpec,
    authMount: (text(k8sAuth?.mountPath) ?? 'kubernetes').replace(
      /^\/+|\/+$/g,
      '',
    ),
    roleName: text(k8sAuth?.role),
    serviceAccount: sa
      ? {
          name: text(sa.name),
          namespace: text(sa.namespace),
          audiences: Array.isArray(sa.audiences)
            ? sa.audiences.filter((a): a is string => typeof a === 'string')
            : undefined,
        }
      : undefined,
    mount,
    storeKvVersion,
    failing: classification.state === 'Error' || storeReady?.status === 'False',
    messages,
    error,
    failingKey,
    refs,
    failingRefs: failingRefs.length ? failingRefs : refs,
    facts: input.vault,
  };
}
