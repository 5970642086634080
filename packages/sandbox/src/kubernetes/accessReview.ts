import type { AuthorizationDecision, UserRules } from './RbacAuthorizer';
import { badRequest, invalid } from './kubernetesStatus';
import { AuthorizationAttributes, PolicyRule, UserInfo } from './rbacRules';

/**
 * The "what may I do" reviews of `authorization.k8s.io/v1`, answered from the same
 * authorizer that guards every request (no second evaluator): `SelfSubjectAccessReview` (what
 * `kubectl auth can-i <verb> <resource>` posts) and `SelfSubjectRulesReview` (`kubectl auth
 * can-i --list`) describe the requesting user; `SubjectAccessReview` (`kubectl auth can-i
 * --as`, and what an authorizing proxy asks) describes the user its spec names, and needs
 * `create` on `subjectaccessreviews` (`system:auth-delegator` has it). None stores anything.
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
  /** SubjectAccessReview only: whom the review is about */
  user?: string;
  groups?: string[];
  uid?: string;
}

/** The two access reviews: about the requester, or about the user the spec names. */
export type AccessReviewKind =
  | 'SelfSubjectAccessReview'
  | 'SubjectAccessReview';

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
  requester: UserInfo,
  body: Record<string, unknown>,
  kind: AccessReviewKind = 'SelfSubjectAccessReview',
): AuthorizationAttributes {
  const spec = specOf(body) as AccessReviewSpec;
  let user = requester;
  if (kind === 'SubjectAccessReview') {
    // ValidateSubjectAccessReviewSpec (pkg/apis/authorization/validation): a user or a group
    const groups = Array.isArray(spec.groups)
      ? spec.groups.filter((g): g is string => typeof g === 'string')
      : [];
    if (!spec.user && groups.length === 0) {
      throw invalid(kind, GROUP, '', [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.user',
          message:
            'Invalid value: "": at least one of user or group must be specified',
        },
      ]);
    }
    // the review is about exactly the named subject: no group is added for it
    user = { username: spec.user ?? '', groups };
  }
  const resource = spec.resourceAttributes ?? undefined;
  const nonResource = spec.nonResourceAttributes ?? undefined;
  if (resource && nonResource) {
    throw invalid(kind, GROUP, '', [
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
    throw invalid(kind, GROUP, '', [
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
  kind: AccessReviewKind = 'SelfSubjectAccessReview',
) {
  return {
    kind,
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
