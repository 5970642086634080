import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { SYNC_STATES } from '@gitops-secrets/plugin-external-secrets-common';
import { useId } from 'react';
import { stateLabel } from '../stateLabel';
import type { ExternalSecretsFilter } from './filterExternalSecrets';

/** Free text, cluster and state filters above the table. */
export function ExternalSecretsFilterBar(props: {
  clusters: string[];
  filter: ExternalSecretsFilter;
  onChange: (filter: ExternalSecretsFilter) => void;
}) {
  const { filter, onChange } = props;
  const id = useId();
  return (
    <Box display="flex" gridGap={16} flexWrap="wrap" mb={1}>
      <TextField
        id={`${id}-text`}
        label="Filter"
        placeholder="name, key, reason…"
        value={filter.text}
        onChange={e => onChange({ ...filter, text: e.target.value })}
      />
      <TextField
        select
        id={`${id}-cluster`}
        label="Cluster"
        value={filter.cluster}
        onChange={e => onChange({ ...filter, cluster: e.target.value })}
        style={{ minWidth: 140 }}
      >
        <MenuItem value="">All clusters</MenuItem>
        {props.clusters.map(cluster => (
          <MenuItem key={cluster} value={cluster}>
            {cluster}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        id={`${id}-state`}
        label="State"
        value={filter.state}
        onChange={e =>
          onChange({
            ...filter,
            state: e.target.value as ExternalSecretsFilter['state'],
          })
        }
        style={{ minWidth: 140 }}
      >
        <MenuItem value="">All states</MenuItem>
        {SYNC_STATES.map(state => (
          <MenuItem key={state} value={state}>
            {stateLabel(state)}
          </MenuItem>
        ))}
      </TextField>
    </Box>
  );
}
