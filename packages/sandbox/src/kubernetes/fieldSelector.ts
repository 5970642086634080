import { badRequest } from './kubernetesStatus';
import { ResourceType } from './resourceTypes';

interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

function readField(object: unknown, field: string): string {
  let current: unknown = object;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') {
      return '';
    }
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) {
    return '';
  }
  if (typeof current === 'object') {
    // `source` on Events selects on the reporting component, a nested object in the data.
    const component = (current as Record<string, unknown>).component;
    return typeof component === 'string' ? component : '';
  }
  return String(current);
}

/**
 * A parsed field selector (`metadata.name=x,involvedObject.kind!=Pod`), restricted to the fields
 * the real API server supports for the kind; others are rejected the way it rejects them.
 */
export class FieldSelector {
  private constructor(private readonly requirements: FieldRequirement[]) {}

  static parse(text: string | undefined, type: ResourceType): FieldSelector {
    if (!text) {
      return new FieldSelector([]);
    }
    const allowed = new Set([
      'metadata.name',
      'metadata.namespace',
      ...type.extraSelectableFields,
    ]);
    const requirements = text
      .split(',')
      .map(p => p.trim())
      .filter(Boolean)
      .map(part => {
        const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
        if (!match) {
          throw badRequest(
            `invalid selector: '${text}'; can't understand '${part}'`,
          );
        }
        const field = match[1].trim();
        if (!allowed.has(field)) {
          throw badRequest(
            `"${field}" is not a known field selector: only "${[
              ...allowed,
            ].join('", "')}"`,
          );
        }
        return { field, value: match[3].trim(), equal: match[2] !== '!=' };
      });
    return new FieldSelector(requirements);
  }

  matches(object: unknown): boolean {
    return this.requirements.every(
      r => (readField(object, r.field) === r.value) === r.equal,
    );
  }
}
