import { MarkdownContent } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import InputLabel from '@material-ui/core/InputLabel';
import OutlinedInput from '@material-ui/core/OutlinedInput';
import Select from '@material-ui/core/Select';
import type { ConfiguredCluster } from '@gitops-secrets/plugin-external-secrets-common';
import { useEffect, useState, type ReactNode } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';

/**
 * `ui:options` of the field.
 *
 * @public
 */
export interface ExternalSecretsClusterPickerOptions {
  /**
   * Offer only clusters onboarded to Vault (a new service on another cluster could not log in);
   * the others are listed, disabled, with the reason. Default false.
   */
  requireOnboarded?: boolean;
}

/** How a cluster reads in the list: its name, its Vault mount and whether it is onboarded. */
export function clusterLabel(cluster: ConfiguredCluster): string {
  let state: string;
  if (cluster.onboarded === true) state = 'onboarded';
  else if (cluster.onboarded === false) state = 'not onboarded to Vault yet';
  else state = 'Vault auth not known (Vault could not be read)';
  return `${cluster.name} — Vault mount ${cluster.vaultAuthMount}/, ${state}`;
}

/**
 * The `ExternalSecretsClusterPicker` scaffolder field: one of the clusters configured under
 * `externalSecrets.clusters`, as the backend lists them (names and Vault mounts only), so a
 * template never asks the user to type a cluster name. With `requireOnboarded`, clusters whose
 * Vault mount is missing are shown but cannot be chosen.
 */
export function ExternalSecretsClusterPicker(
  props: FieldExtensionComponentProps<
    string,
    ExternalSecretsClusterPickerOptions
  >,
) {
  const {
    formData,
    onChange,
    schema,
    uiSchema,
    required,
    rawErrors,
    idSchema,
    disabled,
  } = props;
  const api = useApi(externalSecretsApiRef);
  const [clusters, setClusters] = useState<ConfiguredCluster[]>();
  const [error, setError] = useState<Error>();
  const requireOnboarded = uiSchema?.['ui:options']?.requireOnboarded ?? false;

  useEffect(() => {
    let live = true;
    api.getClusters().then(
      answer => {
        if (live) setClusters(answer.items);
      },
      failure => {
        if (live) setError(failure as Error);
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  const choosable = (cluster: ConfiguredCluster) =>
    !requireOnboarded || cluster.onboarded !== false;
  // the template's description is Markdown (placeholders in code), as in the other fields
  let helperText: ReactNode = schema.description ? (
    <MarkdownContent content={schema.description} />
  ) : undefined;
  if (error) {
    helperText = `The clusters could not be listed: ${error.message}`;
  } else if (!clusters) {
    helperText = 'Loading the configured clusters…';
  } else if (clusters.length === 0) {
    helperText =
      'No cluster is configured under externalSecrets.clusters in app-config';
  } else if (formData && !clusters.some(c => c.name === formData)) {
    helperText = `"${formData}" is not a configured cluster`;
  }
  const id = idSchema?.$id ?? 'cluster';

  const label = schema.title ?? 'Cluster';
  const invalid =
    Boolean(error) ||
    (rawErrors?.length ?? 0) > 0 ||
    Boolean(formData && clusters && !clusters.some(c => c.name === formData));

  return (
    <FormControl
      fullWidth
      margin="normal"
      variant="outlined"
      required={required}
      error={invalid}
      disabled={disabled || !clusters || clusters.length === 0}
    >
      <InputLabel htmlFor={id} shrink>
        {label}
      </InputLabel>
      <Select
        native
        input={
          <OutlinedInput notched label={required ? `${label} *` : label} />
        }
        value={formData ?? ''}
        onChange={event =>
          onChange((event.target.value as string) || undefined)
        }
        inputProps={{ id }}
      >
        <option value="">Choose a cluster</option>
        {(clusters ?? []).map(cluster => (
          <option
            key={cluster.name}
            value={cluster.name}
            disabled={!choosable(cluster)}
          >
            {clusterLabel(cluster)}
          </option>
        ))}
      </Select>
      {helperText && (
        <FormHelperText component="div">{helperText}</FormHelperText>
      )}
    </FormControl>
  );
}
