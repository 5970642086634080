/** A `metav1.LabelSelector` as ESO's `spec.conditions[].namespaceSelector` holds it. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/**
 * Whether a label selector matches a namespace's labels, as Kubernetes'
 * `LabelSelectorAsSelector(...).Matches` decides: every `matchLabels` pair and every
 * expression must hold; an empty selector matches everything. An unknown operator matches
 * nothing.
 */
export function namespaceSelectorMatches(
  selector: LabelSelectorSpec,
  labels: Record<string, string>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) {
      return false;
    }
  }
  for (const expression of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(
      labels,
      expression.key,
    );
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!present || !values.includes(labels[expression.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[expression.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
