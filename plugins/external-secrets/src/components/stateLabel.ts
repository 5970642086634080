import type { SyncState } from '@gitops-secrets/plugin-external-secrets-common';

const LABELS: Partial<Record<SyncState, string>> = {
  PendingRotation: 'Pending rotation',
};

/** A state as people read it ("Pending rotation"); states unknown to this version as sent. */
export function stateLabel(state: SyncState | string): string {
  return LABELS[state as SyncState] ?? state;
}
