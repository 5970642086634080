import { KubernetesApiError } from './kubernetesStatus';
import { Schema } from './openapiSchemas';
import { ResourceType } from './resourceTypes';

/**
 * Server-side field validation (the `fieldValidation` query parameter kubectl sends as
 * `Strict`): fields the kind's schema does not declare are an error with `Strict`, a `Warning`
 * header with `Warn` (also when the parameter is absent, as on the API server) and nothing with
 * `Ignore`.
 */

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') {
    return 'Warn';
  }
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') {
    return value;
  }
  throw new KubernetesApiError(
    400,
    'BadRequest',
    `fieldValidation must be one of "Ignore", "Warn", or "Strict" (got "${value}")`,
  );
}

function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  let current = schema;
  for (let depth = 0; depth < 32; depth += 1) {
    if (current.$ref) {
      current = components[String(current.$ref).split('/').pop()!] ?? {};
    } else if (Array.isArray(current.allOf) && current.allOf.length === 1) {
      current = { ...current.allOf[0], ...current, allOf: undefined };
    } else {
      return current;
    }
  }
  return current;
}

function join(path: string, field: string) {
  return path ? `${path}.${field}` : field;
}

/** Every field of `value` that `schema` does not declare, as `spec.data[0].remoteRefs`. */
export function unknownFields(
  value: unknown,
  schema: Schema,
  components: Record<string, Schema>,
  path = '',
): string[] {
  const resolved = resolve(schema, components);
  if (resolved['x-kubernetes-preserve-unknown-fields']) {
    return [];
  }
  if (Array.isArray(value)) {
    return resolved.items
      ? value.flatMap((item, index) =>
          unknownFields(item, resolved.items, components, `${path}[${index}]`),
        )
      : [];
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (resolved.properties) {
    return entries.flatMap(([field, child]) => {
      // strategic merge patch directives are not fields
      if (field.startsWith('$')) {
        return [];
      }
      const declared = resolved.properties[field];
      if (!declared) {
        return [join(path, field)];
      }
      return unknownFields(child, declared, components, join(path, field));
    });
  }
  if (
    resolved.additionalProperties &&
    typeof resolved.additionalProperties === 'object'
  ) {
    return entries.flatMap(([field, child]) =>
      unknownFields(
        child,
        resolved.additionalProperties,
        components,
        join(path, field),
      ),
    );
  }
  return [];
}

/**
 * Applies the directive to the unknown fields of `object`: throws for `Strict`, answers the
 * warnings for `Warn`.
 */
export function validateFields(
  type: ResourceType,
  object: unknown,
  schema: { schema: Schema; components: Record<string, Schema> },
  directive: FieldValidation,
): string[] {
  if (directive === 'Ignore') {
    return [];
  }
  const unknown = unknownFields(object, schema.schema, schema.components).map(
    field => `unknown field "${field}"`,
  );
  if (unknown.length === 0) {
    return [];
  }
  if (directive === 'Strict') {
    throw new KubernetesApiError(
      400,
      'BadRequest',
      `${type.kind} in version "${type.version}" cannot be handled as a ${
        type.kind
      }: strict decoding error: ${unknown.join(', ')}`,
    );
  }
  return unknown;
}
