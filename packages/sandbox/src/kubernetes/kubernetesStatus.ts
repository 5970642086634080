/**
 * The `reason` values of Kubernetes `Status` objects the emulator answers with.
 *
 * @public
 */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'InternalError';

/** @public */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

/** @public */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

/**
 * A failure the emulated API server reports as a `meta/v1 Status`, the way the real one does.
 *
 * @public
 */
export class KubernetesApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'KubernetesApiError';
  }

  toStatus() {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `<plural>.<group>` as the API server names a resource in its messages. */
export function qualifiedResource(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export function notFound(
  plural: string,
  group: string,
  name: string,
): KubernetesApiError {
  return new KubernetesApiError(
    404,
    'NotFound',
    `${qualifiedResource(plural, group)} "${name}" not found`,
    { name, group: group || undefined, kind: plural },
  );
}

export function alreadyExists(
  plural: string,
  group: string,
  name: string,
): KubernetesApiError {
  return new KubernetesApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(plural, group)} "${name}" already exists`,
    { name, group: group || undefined, kind: plural },
  );
}

export function conflict(
  plural: string,
  group: string,
  name: string,
): KubernetesApiError {
  return new KubernetesApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(
      plural,
      group,
    )} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: group || undefined, kind: plural },
  );
}

export function badRequest(message: string): KubernetesApiError {
  return new KubernetesApiError(400, 'BadRequest', message);
}

export function expired(message: string): KubernetesApiError {
  return new KubernetesApiError(410, 'Expired', message);
}

/** A 422 `Invalid` status, worded like the API server's field validation. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): KubernetesApiError {
  const summary = causes
    .map(c => (c.field ? `${c.field}: ${c.message}` : c.message))
    .join(', ');
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new KubernetesApiError(
    422,
    'Invalid',
    `${qualifiedKind} "${name}" is invalid: ${
      causes.length > 1 ? `[${summary}]` : summary
    }`,
    { name, group: group || undefined, kind, causes },
  );
}

/** What a `403 Forbidden` names: the request as the authorizer saw it. */
export interface ForbiddenRequest {
  user: { username: string };
  verb: string;
  resourceRequest: boolean;
  namespace?: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  path?: string;
}

/**
 * The API server's `403 Forbidden` for a request no authorizer allowed, word for word:
 * `secrets "x" is forbidden: User "u" cannot get resource "secrets" in API group "" in the
 * namespace "ns"` (`at the cluster scope` without a namespace; `resource "serviceaccounts/token"`
 * for a subresource; `forbidden: User "u" cannot get path "/p"` for a non-resource URL), then
 * `: <reason>` when the authorizer gave one. `details` name the resource as the API does.
 */
export function forbidden(
  request: ForbiddenRequest,
  reason = '',
): KubernetesApiError {
  const user = JSON.stringify(request.user.username);
  let detail: string;
  if (!request.resourceRequest) {
    detail = `User ${user} cannot ${request.verb} path ${JSON.stringify(
      request.path ?? '',
    )}`;
  } else {
    const resource = request.subresource
      ? `${request.resource}/${request.subresource}`
      : request.resource ?? '';
    const scope = request.namespace
      ? `in the namespace ${JSON.stringify(request.namespace)}`
      : 'at the cluster scope';
    detail = `User ${user} cannot ${request.verb} resource ${JSON.stringify(
      resource,
    )} in API group ${JSON.stringify(request.apiGroup ?? '')} ${scope}`;
  }
  if (reason) {
    detail = `${detail}: ${reason}`;
  }
  const group = request.resourceRequest ? request.apiGroup ?? '' : '';
  const plural = request.resourceRequest ? request.resource ?? '' : '';
  let message: string;
  if (!plural && !group) {
    message = `forbidden: ${detail}`;
  } else if (!request.name) {
    message = `${qualifiedResource(plural, group)} is forbidden: ${detail}`;
  } else {
    message = `${qualifiedResource(plural, group)} ${JSON.stringify(
      request.name,
    )} is forbidden: ${detail}`;
  }
  return new KubernetesApiError(403, 'Forbidden', message, {
    ...(request.name ? { name: request.name } : {}),
    ...(group ? { group } : {}),
    ...(plural ? { kind: plural } : {}),
  });
}
