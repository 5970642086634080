import { invalid } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { LabelSelectorObject, selectorMatches } from './labelSelector';
import { ResourceType } from './resourceTypes';

export type { LabelSelectorObject } from './labelSelector';

/**
 * What the API server does to `apps/v1` Deployments and ReplicaSets on write: the defaults of
 * `pkg/apis/apps/v1/defaults.go` (and the pod template's, from `core/v1`), and the validation
 * of the selector against the template's labels. Pure functions: the controllers that act on
 * these objects are in `workloadControllers.ts`.
 */

/** The label the Deployment controller adds to a ReplicaSet's selector, template and Pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

const any = (value: unknown) => value as Record<string, any>;

/** `app=x,tier in (a,b)`: how kubectl's wide output prints a selector. */
export function selectorString(selector: LabelSelectorObject | undefined) {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(
    ([k, v]) => `${k}=${v}`,
  );
  for (const e of selector?.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    if (e.operator === 'Exists') parts.push(e.key);
    if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.sort().join(',') || '<none>';
}

/** Go's `%#v` of a `map[string]string`, as validation messages print labels. */
function goMap(labels: Record<string, string>): string {
  const entries = Object.keys(labels)
    .sort()
    .map(k => `${JSON.stringify(k)}:${JSON.stringify(labels[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function defaultPodSpec(spec: Record<string, any>) {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const container of [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
  ]) {
    if (!container || typeof container !== 'object') continue;
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.resources ??= {};
    if (!container.imagePullPolicy) {
      const image = String(container.image ?? '');
      const tag = image.includes('@')
        ? 'digest'
        : image.split('/').pop()!.split(':')[1];
      container.imagePullPolicy =
        !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    }
  }
}

/** The defaults the API server fills in on a Deployment or ReplicaSet. */
export function applyWorkloadDefaults(type: ResourceType, object: KubeObject) {
  if (type.group !== 'apps') return;
  const spec = (any(object).spec ??= {});
  spec.replicas ??= 1;
  if (type.kind === 'Deployment') {
    spec.strategy ??= {};
    spec.strategy.type ??= 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
  const template = (spec.template ??= {});
  template.metadata ??= {};
  template.spec ??= {};
  if (template.metadata.creationTimestamp === undefined) {
    template.metadata.creationTimestamp = null;
  }
  defaultPodSpec(template.spec);
}

/**
 * The API server's validation of what the controllers depend on: a selector that selects the
 * template's labels, and at least one container.
 */
export function validateWorkload(type: ResourceType, object: KubeObject) {
  if (type.group !== 'apps') return;
  const spec = any(object).spec ?? {};
  const causes: Array<{ reason: string; message: string; field: string }> = [];
  const selector = spec.selector as LabelSelectorObject | undefined;
  const labels = (spec.template?.metadata?.labels ?? {}) as Record<
    string,
    string
  >;
  const emptySelector =
    !selector ||
    (!Object.keys(selector.matchLabels ?? {}).length &&
      !(selector.matchExpressions ?? []).length);
  if (!selector) {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.selector',
    });
  } else if (emptySelector) {
    causes.push({
      reason: 'FieldValueInvalid',
      message:
        'Invalid value: "null": empty selector is invalid for deployment',
      field: 'spec.selector',
    });
  }
  if (!emptySelector && !selectorMatches(selector, labels)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${goMap(
        labels,
      )}: \`selector\` does not match template \`labels\``,
      field: 'spec.template.metadata.labels',
    });
  }
  if (!Array.isArray(spec.template?.spec?.containers)) {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value',
      field: 'spec.template.spec.containers',
    });
  }
  if (typeof spec.replicas !== 'number' || spec.replicas < 0) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
      field: 'spec.replicas',
    });
  }
  if (causes.length) {
    throw invalid(type.kind, type.group, object.metadata.name ?? '', causes);
  }
}

/** JSON with sorted keys: the same template always serializes the same. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map(k => `${JSON.stringify(k)}:${stableJson(any(value)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The Deployment controller's `pod-template-hash` of a template: FNV-32a of the template (and
 * the collision count), printed in decimal and each digit mapped through apimachinery's
 * `SafeEncodeString` alphabet, so values look like the real ones (`7b9c5d8f4`). The real hash
 * runs over Go's printing of the object; the digest differs, the shape and stability do not.
 */
export function podTemplateHash(template: unknown, collisionCount = 0): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(
    stableJson(template) + (collisionCount ? String(collisionCount) : ''),
    'utf8',
  );
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)]
    .map(c => alphabet[c.charCodeAt(0) % alphabet.length])
    .join('');
}

/** Templates equal but for the `pod-template-hash` label (the controller's `EqualIgnoreHash`). */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const copy = structuredClone(any(t ?? {}));
    if (copy.metadata?.labels) {
      delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
      if (!Object.keys(copy.metadata.labels).length) {
        delete copy.metadata.labels;
      }
    }
    return stableJson(copy);
  };
  return strip(a) === strip(b);
}

/** `25%` of `total`, rounded up (surge) or down (unavailable), as intstr's scaled values are. */
export function scaledValue(
  value: number | string | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(String(value ?? ''));
  if (!match) return Number(value) || 0;
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
