import type {
  EventLike,
  ExternalSecretLike,
} from '@gitops-secrets/plugin-external-secrets-common';
import type {
  EventObject,
  ExternalSecretObject,
} from '@gitops-secrets/plugin-external-secrets-node';

const iso = (value: string | Date | null | undefined) =>
  value instanceof Date ? value.toISOString() : value ?? undefined;

/** The fields classification reads, from a cached ExternalSecret (client types use Dates). */
export function asExternalSecretLike(
  object: ExternalSecretObject,
): ExternalSecretLike {
  return {
    metadata: { generation: object.metadata?.generation },
    spec: {
      refreshInterval: object.spec?.refreshInterval,
      refreshPolicy: object.spec?.refreshPolicy,
    },
    status: object.status,
  };
}

/** The fields classification and diagnosis read, from a cached Event. */
export function asEventLike(
  event: EventObject | undefined,
): EventLike | undefined {
  if (!event) {
    return undefined;
  }
  return {
    type: event.type,
    reason: event.reason,
    message: event.message,
    lastTimestamp:
      iso(event.series?.lastObservedTime) ?? iso(event.lastTimestamp),
    eventTime: iso(event.eventTime),
  };
}
