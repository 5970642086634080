import { invalid, StatusCause } from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { PolicyRule, RBAC_GROUP, RbacSubject, RoleRef } from './rbacRules';
import { ResourceType } from './resourceTypes';

type Cause = StatusCause;

function required(field: string, detail?: string): Cause {
  return {
    reason: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  };
}

function unsupported(field: string, value: unknown, valid: string[]): Cause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${JSON.stringify(
      value ?? '',
    )}: supported values: ${valid.map(v => JSON.stringify(v)).join(', ')}`,
  };
}

function invalidValue(field: string, value: string, detail: string): Cause {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: `Invalid value: ${value}: ${detail}`,
  };
}

function goStrings(values: string[]): string {
  return `[]string{${values.map(v => JSON.stringify(v)).join(', ')}}`;
}

function ruleCauses(rules: PolicyRule[], namespaced: boolean): Cause[] {
  const causes: Cause[] = [];
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (!rule?.verbs?.length) {
      causes.push(
        required(`${at}.verbs`, 'verbs must contain at least one value'),
      );
    }
    if (rule?.nonResourceURLs?.length) {
      if (namespaced) {
        causes.push(
          invalidValue(
            `${at}.nonResourceURLs`,
            goStrings(rule.nonResourceURLs),
            'namespaced rules cannot apply to non-resource URLs',
          ),
        );
      }
      if (
        rule.apiGroups?.length ||
        rule.resources?.length ||
        rule.resourceNames?.length
      ) {
        causes.push(
          invalidValue(
            `${at}.nonResourceURLs`,
            goStrings(rule.nonResourceURLs),
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
      }
      return;
    }
    if (!rule?.apiGroups?.length) {
      causes.push(
        required(
          `${at}.apiGroups`,
          'resource rules must supply at least one api group',
        ),
      );
    }
    if (!rule?.resources?.length) {
      causes.push(
        required(
          `${at}.resources`,
          'resource rules must supply at least one resource',
        ),
      );
    }
  });
  return causes;
}

function roleRefCauses(roleRef: RoleRef | undefined, cluster: boolean) {
  const causes: Cause[] = [];
  const kinds = cluster ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (roleRef?.apiGroup !== RBAC_GROUP) {
    causes.push(
      unsupported('roleRef.apiGroup', roleRef?.apiGroup, [RBAC_GROUP]),
    );
  }
  if (!kinds.includes(roleRef?.kind ?? '')) {
    causes.push(unsupported('roleRef.kind', roleRef?.kind, kinds));
  }
  if (!roleRef?.name) {
    causes.push(required('roleRef.name'));
  }
  return causes;
}

function subjectCauses(subjects: RbacSubject[], cluster: boolean) {
  const causes: Cause[] = [];
  subjects.forEach((subject, i) => {
    const at = `subjects[${i}]`;
    if (!subject?.name) {
      causes.push(required(`${at}.name`));
    }
    switch (subject?.kind) {
      case 'ServiceAccount':
        if (subject.apiGroup) {
          causes.push(unsupported(`${at}.apiGroup`, subject.apiGroup, ['']));
        }
        if (cluster && !subject.namespace) {
          causes.push(required(`${at}.namespace`));
        }
        break;
      case 'User':
      case 'Group':
        if (subject.apiGroup !== RBAC_GROUP) {
          causes.push(
            unsupported(`${at}.apiGroup`, subject.apiGroup, [RBAC_GROUP]),
          );
        }
        break;
      default:
        causes.push(
          unsupported(`${at}.kind`, subject?.kind, [
            'ServiceAccount',
            'User',
            'Group',
          ]),
        );
    }
  });
  return causes;
}

function describeRoleRef(roleRef: RoleRef): string {
  return `rbac.RoleRef{APIGroup:${JSON.stringify(
    roleRef.apiGroup ?? '',
  )}, Kind:${JSON.stringify(roleRef.kind ?? '')}, Name:${JSON.stringify(
    roleRef.name ?? '',
  )}}`;
}

/**
 * The API server's validation of Roles, ClusterRoles and their bindings (field causes worded
 * as its field errors): every rule has verbs and either resources with API groups or
 * non-resource URLs (cluster roles only); a roleRef names a Role (RoleBindings only) or
 * ClusterRole in rbac.authorization.k8s.io; subjects are ServiceAccounts (with a namespace in a
 * ClusterRoleBinding), Users or Groups; and a binding's roleRef never changes once created.
 */
export function validateRbacObject(
  type: ResourceType,
  object: KubeObject,
  previous?: KubeObject,
): void {
  if (type.group !== RBAC_GROUP) {
    return;
  }
  let causes: Cause[];
  switch (type.kind) {
    case 'Role':
    case 'ClusterRole':
      causes = ruleCauses(
        (object.rules as PolicyRule[] | undefined) ?? [],
        type.kind === 'Role',
      );
      break;
    default: {
      const cluster = type.kind === 'ClusterRoleBinding';
      const roleRef = object.roleRef as RoleRef | undefined;
      causes = [
        ...roleRefCauses(roleRef, cluster),
        ...subjectCauses(
          (object.subjects as RbacSubject[] | undefined) ?? [],
          cluster,
        ),
      ];
      const before = previous?.roleRef as RoleRef | undefined;
      if (
        before &&
        roleRef &&
        (before.apiGroup !== roleRef.apiGroup ||
          before.kind !== roleRef.kind ||
          before.name !== roleRef.name)
      ) {
        causes.push(
          invalidValue(
            'roleRef',
            describeRoleRef(roleRef),
            'cannot change roleRef',
          ),
        );
      }
    }
  }
  if (causes.length) {
    throw invalid(type.kind, type.group, object.metadata.name ?? '', causes);
  }
}
