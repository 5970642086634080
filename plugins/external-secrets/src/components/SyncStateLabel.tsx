import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusWarning,
} from '@backstage/core-components';
import type { SyncState } from '@gitops-secrets/plugin-external-secrets-common';

const INDICATOR: Record<SyncState, typeof StatusOK> = {
  Synced: StatusOK,
  Error: StatusError,
  Stale: StatusWarning,
  Pending: StatusPending,
  Unknown: StatusAborted,
};

/** One ExternalSecret's state as coloured icon and word, readable without colour. */
export function SyncStateLabel(props: { state: SyncState }) {
  const Indicator = INDICATOR[props.state] ?? StatusAborted;
  return <Indicator>{props.state}</Indicator>;
}
