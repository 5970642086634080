import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type { SyncState } from '@gitops-secrets/plugin-external-secrets-common';
import { stateLabel } from './stateLabel';

const INDICATOR: Record<SyncState, typeof StatusOK> = {
  Synced: StatusOK,
  PendingRotation: StatusPending,
  Error: StatusError,
  Stale: StatusWarning,
  Pending: StatusPending,
  Unknown: StatusAborted,
};

/** One ExternalSecret's state as coloured icon and word, readable without colour. */
export function SyncStateLabel(props: { state: SyncState }) {
  const Indicator = INDICATOR[props.state] ?? StatusAborted;
  return <Indicator>{stateLabel(props.state)}</Indicator>;
}
