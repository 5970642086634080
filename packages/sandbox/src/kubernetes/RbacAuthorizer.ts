import { KubeObject } from './kubeObject';
import {
  AuthorizationAttributes,
  PolicyRule,
  RbacSubject,
  RoleRef,
  SYSTEM_MASTERS,
  UserInfo,
  describeSubject,
  ruleAllows,
  subjectAppliesTo,
} from './rbacRules';

/**
 * Where the authorizer finds roles and bindings: the emulated API server's own stored
 * `rbac.authorization.k8s.io/v1` objects.
 */
export interface RbacObjectSource {
  clusterRoleBindings(): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRole(name: string): KubeObject | undefined;
  role(namespace: string, name: string): KubeObject | undefined;
}

/**
 * The answer to "may this user do this": `reason` is what the real authorizers say —
 * `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"` when allowed, and when
 * denied either nothing or the errors met on the way (`RBAC: clusterrole.rbac.authorization.k8s.io "y" not found`).
 *
 * @public
 */
export interface AuthorizationDecision {
  allowed: boolean;
  reason: string;
}

/**
 * The rules that apply to a user in one namespace (cluster-wide ones included), as
 * SelfSubjectRulesReview reports them; `incomplete` when a binding pointed at a missing role.
 *
 * @public
 */
export interface UserRules {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  incomplete: boolean;
  evaluationError?: string;
}

interface VisitedRule {
  rule?: PolicyRule;
  source?: string;
  error?: string;
}

function rulesOf(role: KubeObject | undefined): PolicyRule[] {
  return ((role?.rules as PolicyRule[] | undefined) ?? []).map(rule => ({
    ...rule,
    verbs: rule.verbs ?? [],
  }));
}

function subjectsOf(binding: KubeObject): RbacSubject[] {
  return (binding.subjects as RbacSubject[] | undefined) ?? [];
}

/**
 * The API server's authorizer chain for the emulator: members of `system:masters` are allowed
 * everything (the privileged-group authorizer in front of RBAC), then RBAC over the stored
 * ClusterRoleBindings and, for namespaced requests, the RoleBindings of that namespace. A
 * RoleBinding may reference a ClusterRole, whose rules then apply in the binding's namespace
 * only; non-resource URLs are only ever granted cluster-wide. Nothing allowed means denied.
 *
 * @public
 */
export class RbacAuthorizer {
  constructor(private readonly source: RbacObjectSource) {}

  authorize(attributes: AuthorizationAttributes): AuthorizationDecision {
    if (attributes.user.groups.includes(SYSTEM_MASTERS)) {
      return { allowed: true, reason: '' };
    }
    const errors: string[] = [];
    for (const visited of this.visit(attributes.user, attributes.namespace)) {
      if (visited.error) {
        errors.push(visited.error);
      } else if (visited.rule && ruleAllows(attributes, visited.rule)) {
        return { allowed: true, reason: `RBAC: allowed by ${visited.source}` };
      }
    }
    return {
      allowed: false,
      reason: errors.length ? `RBAC: ${aggregate(errors)}` : '',
    };
  }

  /** Every rule the user holds in `namespace` (cluster-wide rules included). */
  rulesFor(user: UserInfo, namespace?: string): UserRules {
    if (user.groups.includes(SYSTEM_MASTERS)) {
      return {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      };
    }
    const resourceRules: PolicyRule[] = [];
    const nonResourceRules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const visited of this.visit(user, namespace)) {
      if (visited.error) {
        errors.push(visited.error);
      } else if (visited.rule?.nonResourceURLs?.length) {
        nonResourceRules.push(visited.rule);
      } else if (visited.rule) {
        resourceRules.push(visited.rule);
      }
    }
    return {
      resourceRules,
      nonResourceRules,
      incomplete: errors.length > 0,
      ...(errors.length ? { evaluationError: aggregate(errors) } : {}),
    };
  }

  private *visit(
    user: UserInfo,
    namespace: string | undefined,
  ): Generator<VisitedRule> {
    for (const binding of this.source.clusterRoleBindings()) {
      const subject = subjectsOf(binding).find(s =>
        subjectAppliesTo(user, s, ''),
      );
      if (!subject) {
        continue;
      }
      const roleRef = binding.roleRef as RoleRef;
      const role = this.resolve(roleRef, '');
      if (typeof role === 'string') {
        yield { error: role };
        continue;
      }
      const source = `ClusterRoleBinding ${JSON.stringify(
        binding.metadata.name,
      )} of ${roleRef.kind} ${JSON.stringify(
        roleRef.name,
      )} to ${describeSubject(subject, '')}`;
      for (const rule of role) {
        yield { rule, source };
      }
    }
    if (!namespace) {
      return;
    }
    for (const binding of this.source.roleBindings(namespace)) {
      const subject = subjectsOf(binding).find(s =>
        subjectAppliesTo(user, s, namespace),
      );
      if (!subject) {
        continue;
      }
      const roleRef = binding.roleRef as RoleRef;
      const role = this.resolve(roleRef, namespace);
      if (typeof role === 'string') {
        yield { error: role };
        continue;
      }
      const source = `RoleBinding ${JSON.stringify(
        `${binding.metadata.name}/${namespace}`,
      )} of ${roleRef.kind} ${JSON.stringify(
        roleRef.name,
      )} to ${describeSubject(subject, namespace)}`;
      for (const rule of role) {
        // Non-resource URLs are cluster-wide: a RoleBinding never grants them.
        if (!rule.nonResourceURLs?.length) {
          yield { rule, source };
        }
      }
    }
  }

  /** The rules a roleRef points at, or the error text the authorizer reports. */
  private resolve(roleRef: RoleRef, namespace: string): PolicyRule[] | string {
    if (roleRef?.kind === 'ClusterRole') {
      const role = this.source.clusterRole(roleRef.name);
      return role
        ? rulesOf(role)
        : `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(
            roleRef.name,
          )} not found`;
    }
    if (roleRef?.kind === 'Role' && namespace) {
      const role = this.source.role(namespace, roleRef.name);
      return role
        ? rulesOf(role)
        : `role.rbac.authorization.k8s.io ${JSON.stringify(
            roleRef.name,
          )} not found`;
    }
    return `unsupported role reference kind: ${JSON.stringify(roleRef?.kind)}`;
  }
}

/** Kubernetes' aggregate error text: the one message, or `[a, b]`. */
function aggregate(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
