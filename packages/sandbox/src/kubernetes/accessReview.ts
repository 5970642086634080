import type { AuthorizationDecision, UserRules } from './RbacAuthorizer';
import { badRequest, invalid } from './kubernetesStatus';
import { AuthorizationAttributes, PolicyRule, UserInfo } from './rbacRules';

/**
 * The two "what may I do" reviews of `authorization.k8s.io/v1`, answered from the same
 * authorizer that guards every request (no second evaluator): `SelfSubjectAccessReview` (what
 * `kubectl auth can-i <verb> <resource>` posts) and `SelfSubjectRulesReview` (`kubectl auth
 * can-i --list`). Both describe the requesting user only, and store nothing.
 */

const GROUP = 'authorization.k8s.io';
const API_VERSION = `${GROUP}/v1`;

interface ResourceAttributesSpec {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface NonResourceAttributesSpec {
  path?: string;
  verb?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributesSpec | null;
  nonResourceAttributes?: NonResourceAttributesSpec | null;
}

function specOf(body: Record<string, unknown>): Record<string, unknown> {
  const spec = body.spec;
  return spec && typeof spec === 'object' && !Array.isArray(spec)
    ? (spec as Record<string, unknown>)
    : {};
}

/**
 * The attributes a SelfSubjectAccessReview asks about, validated as the API server does:
 * exactly one of `resourceAttributes` and `nonResourceAttributes`.
 */
export function accessReviewAttributes(
  user: UserInfo,
  body: Record<string, unknown>,
): AuthorizationAttributes {
  const spec = specOf(body) as AccessReviewSpec;
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if (resource && nonResource) {
    throw invalid('SelfSubjectAccessReview', GROUP, '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        message: `Invalid value: ${JSON.stringify(
          nonResource,
        )}: cannot be specified in combination with resourceAttributes`,
      },
    ]);
  }
  if (!resource && !nonResource) {
    throw invalid('SelfSubjectAccessReview', GROUP, '', [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.resourceAttributes',
        message:
          'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      },
    ]);
  }
  if (nonResource) {
    return {
      user,
      verb: nonResource.verb ?? '',
      resourceRequest: false,
      path: nonResource.path ?? '',
    };
  }
  const r = resource!;
  return {
    user,
    verb: r.verb ?? '',
    resourceRequest: true,
    apiGroup: r.group ?? '',
    apiVersion: r.version ?? '',
    resource: r.resource ?? '',
    ...(r.namespace ? { namespace: r.namespace } : {}),
    ...(r.subresource ? { subresource: r.subresource } : {}),
    ...(r.name ? { name: r.name } : {}),
  };
}

/**
 * The SelfSubjectAccessReview the API server returns: the request's spec, and a status with
 * `allowed` and the authorizer's `reason` (RBAC only ever has no opinion on a denial, so
 * `denied` is never set).
 */
export function accessReviewResponse(
  body: Record<string, unknown>,
  decision: AuthorizationDecision,
) {
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: API_VERSION,
    metadata: { creationTimestamp: null },
    spec: specOf(body),
    status: {
      allowed: decision.allowed,
      ...(decision.reason ? { reason: decision.reason } : {}),
    },
  };
}

/** The namespace a SelfSubjectRulesReview asks about; the API server requires one. */
export function rulesReviewNamespace(body: Record<string, unknown>): string {
  const namespace = specOf(body).namespace;
  if (typeof namespace !== 'string' || !namespace) {
    throw badRequest('no namespace on request');
  }
  return namespace;
}

function resourceRule(rule: PolicyRule) {
  return {
    verbs: rule.verbs,
    apiGroups: rule.apiGroups ?? [],
    resources: rule.resources ?? [],
    ...(rule.resourceNames?.length
      ? { resourceNames: rule.resourceNames }
      : {}),
  };
}

function nonResourceRule(rule: PolicyRule) {
  return { verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] };
}

/**
 * The SelfSubjectRulesReview the API server returns: every rule the user holds in the
 * namespace (cluster-wide ones included), `incomplete` when a binding pointed at a missing role.
 */
export function rulesReviewResponse(
  body: Record<string, unknown>,
  rules: UserRules,
) {
  return {
    kind: 'SelfSubjectRulesReview',
    apiVersion: API_VERSION,
    metadata: { creationTimestamp: null },
    spec: specOf(body),
    status: {
      resourceRules: rules.resourceRules.map(resourceRule),
      nonResourceRules: rules.nonResourceRules.map(nonResourceRule),
      incomplete: rules.incomplete,
      ...(rules.evaluationError
        ? { evaluationError: rules.evaluationError }
        : {}),
    },
  };
}
