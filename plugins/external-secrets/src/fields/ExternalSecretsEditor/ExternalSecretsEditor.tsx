import { MarkdownContent } from '@backstage/core-components';
import {
  useTemplateSecrets,
  type FieldExtensionComponentProps,
} from '@backstage/plugin-scaffolder-react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Divider from '@material-ui/core/Divider';
import IconButton from '@material-ui/core/IconButton';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import AddIcon from '@material-ui/icons/Add';
import DeleteIcon from '@material-ui/icons/DeleteOutline';
import {
  nameProblem,
  secretsProblems,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  emptyProperty,
  emptySecret,
  newValueKey,
  normalizeValue,
  type ExternalSecretsEditorProperty,
  type ExternalSecretsEditorValue,
} from './value';

const useStyles = makeStyles(theme => ({
  secret: { padding: theme.spacing(2), marginBottom: theme.spacing(2) },
  nameRow: { display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1) },
  propertyRow: {
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr) minmax(0, 1fr) auto',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    marginTop: theme.spacing(1),
  },
  removeButton: { marginTop: theme.spacing(1.5) },
}));

const pathKey = (path: Array<string | number>) => path.join('.');

/** Whether react-jsonschema-form reported any error below this field (after "Next"). */
function hasNestedErrors(errorSchema: unknown): boolean {
  if (!errorSchema || typeof errorSchema !== 'object') {
    return false;
  }
  return Object.entries(errorSchema).some(([key, child]) =>
    key === '__errors'
      ? Array.isArray(child) && child.length > 0
      : hasNestedErrors(child),
  );
}

/**
 * The `ExternalSecretsEditor` scaffolder field: a service's secrets as a user thinks of them —
 * each secret with its properties (Vault property → key in the Kubernetes Secret) and, beside
 * each property, an optional masked initial value. Names and mappings go into the form data;
 * a value goes only into the template's secrets (`useTemplateSecrets`) under the property's
 * `valueKey`, which `vault:kv:seed` reads. Every field is checked as it is typed with the rules
 * of `@gitops-secrets/plugin-external-secrets-common`, the ones the actions enforce.
 */
export function ExternalSecretsEditor(
  props: FieldExtensionComponentProps<ExternalSecretsEditorValue>,
) {
  const classes = useStyles();
  const {
    formData,
    onChange,
    schema,
    uiSchema,
    rawErrors,
    errorSchema,
    formContext,
    idSchema,
  } = props;
  const idBase = idSchema?.$id ?? 'secrets';
  const { secrets: taskSecrets, setSecrets } = useTemplateSecrets();
  const value = useMemo(() => normalizeValue(formData), [formData]);
  const serviceName: unknown = formContext?.formData?.name;
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  // after "Next" every problem shows, not only those of fields the user has left
  const submitted =
    (rawErrors?.length ?? 0) > 0 || hasNestedErrors(errorSchema);

  // the form data always has the full shape, so "Next" reports fields, not missing objects
  useEffect(() => {
    if (JSON.stringify(formData) !== JSON.stringify(value)) {
      onChange(value);
    }
  }, [formData, value, onChange]);

  const problems = useMemo(() => {
    const byPath = new Map<string, string>();
    for (const problem of secretsProblems(serviceName, value)) {
      byPath.set(pathKey(problem.path), problem.message);
    }
    return byPath;
  }, [serviceName, value]);

  const touch = (path: Array<string | number>) =>
    setTouched(current => new Set(current).add(pathKey(path)));
  const errorAt = (path: Array<string | number>) => {
    const message = problems.get(pathKey(path));
    return message && (submitted || touched.has(pathKey(path)))
      ? message
      : undefined;
  };

  const update = useCallback(
    (next: ExternalSecretsEditorValue) => onChange(next),
    [onChange],
  );
  const updateProperty = (
    s: number,
    p: number,
    change: Partial<ExternalSecretsEditorProperty>,
  ) =>
    update(
      value.map((secret, i) =>
        i !== s
          ? secret
          : {
              ...secret,
              properties: secret.properties.map((property, j) =>
                j === p ? { ...property, ...change } : property,
              ),
            },
      ),
    );

  const forget = (properties: ExternalSecretsEditorProperty[]) => {
    const keys = properties.flatMap(p => (p.valueKey ? [p.valueKey] : []));
    if (keys.length > 0) {
      setSecrets(Object.fromEntries(keys.map(key => [key, ''])));
    }
  };

  const setInitialValue = (s: number, p: number, text: string) => {
    const property = value[s].properties[p];
    if (text === '') {
      if (property.valueKey) {
        setSecrets({ [property.valueKey]: '' });
      }
      const { valueKey: _dropped, ...rest } = property;
      update(
        value.map((secret, i) =>
          i !== s
            ? secret
            : {
                ...secret,
                properties: secret.properties.map((q, j) =>
                  j === p ? { ...rest, initialValue: 'none' as const } : q,
                ),
              },
        ),
      );
      return;
    }
    const valueKey = property.valueKey ?? newValueKey();
    setSecrets({ [valueKey]: text });
    if (!property.valueKey) {
      updateProperty(s, p, { initialValue: 'value set', valueKey });
    }
  };

  const service =
    typeof serviceName === 'string' &&
    nameProblem('serviceName', serviceName) === undefined
      ? serviceName
      : '<service>';
  const description = uiSchema?.['ui:description'] ?? schema.description;

  return (
    <Box mt={1} mb={2}>
      {schema.title && (
        <Box mb={1}>
          <Typography variant="h5">{schema.title}</Typography>
          <Divider />
        </Box>
      )}
      {description && (
        <Typography variant="body1" component="div">
          <MarkdownContent content={description} />
        </Typography>
      )}
      {value.map((secret, s) => {
        const nameError = errorAt([s, 'name']);
        const listError = errorAt([s, 'properties']);
        const label = secret.name || `${s + 1}`;
        return (
          <Paper
            key={s}
            variant="outlined"
            className={classes.secret}
            role="group"
            aria-label={`Secret ${s + 1}`}
          >
            <div className={classes.nameRow}>
              <TextField
                id={`${idBase}_${s}_name`}
                label="Secret name"
                required
                fullWidth
                value={secret.name}
                error={!!nameError}
                helperText={
                  nameError ??
                  (secret.name
                    ? `Vault secret ${service}/${secret.name}, Kubernetes Secret ${service}-${secret.name}`
                    : 'e.g. "db" or "env-file": lowercase letters, digits, "-" and "."')
                }
                onChange={event =>
                  update(
                    value.map((x, i) =>
                      i === s ? { ...x, name: event.target.value } : x,
                    ),
                  )
                }
                onBlur={() => touch([s, 'name'])}
              />
              <IconButton
                className={classes.removeButton}
                aria-label={`Remove secret ${label}`}
                disabled={value.length === 1}
                onClick={() => {
                  forget(secret.properties);
                  update(value.filter((_, i) => i !== s));
                }}
              >
                <DeleteIcon />
              </IconButton>
            </div>
            {secret.properties.map((property, p) => {
              const propertyError = errorAt([s, 'properties', p, 'property']);
              const keyError = errorAt([s, 'properties', p, 'secretKey']);
              const storedValue = property.valueKey
                ? taskSecrets[property.valueKey] ?? ''
                : '';
              return (
                <div
                  key={p}
                  className={classes.propertyRow}
                  role="group"
                  aria-label={`Property ${p + 1} of secret ${label}`}
                >
                  <TextField
                    id={`${idBase}_${s}_properties_${p}_property`}
                    label="Vault property"
                    required
                    value={property.property}
                    error={!!propertyError}
                    helperText={propertyError ?? 'e.g. "password"'}
                    onChange={event => {
                      const next = event.target.value;
                      // the Secret key follows the property until the user gives it its own
                      const follows =
                        property.secretKey === '' ||
                        property.secretKey === property.property;
                      updateProperty(s, p, {
                        property: next,
                        ...(follows ? { secretKey: next } : {}),
                      });
                    }}
                    onBlur={() => touch([s, 'properties', p, 'property'])}
                  />
                  <TextField
                    id={`${idBase}_${s}_properties_${p}_secretKey`}
                    label="Key in the Kubernetes Secret"
                    required
                    value={property.secretKey}
                    error={!!keyError}
                    helperText={keyError ?? 'e.g. "DB_PASSWORD"'}
                    onChange={event =>
                      updateProperty(s, p, { secretKey: event.target.value })
                    }
                    onBlur={() => touch([s, 'properties', p, 'secretKey'])}
                  />
                  <TextField
                    id={`${idBase}_${s}_properties_${p}_initialValue`}
                    label="Initial value (optional)"
                    type="password"
                    autoComplete="new-password"
                    value={storedValue}
                    helperText={
                      property.valueKey
                        ? 'Written to Vault once; never shown again'
                        : 'Leave empty to write it in Vault yourself'
                    }
                    onChange={event =>
                      setInitialValue(s, p, event.target.value)
                    }
                  />
                  <IconButton
                    className={classes.removeButton}
                    aria-label={`Remove property ${
                      property.property || p + 1
                    } of secret ${label}`}
                    disabled={secret.properties.length === 1}
                    onClick={() => {
                      forget([property]);
                      update(
                        value.map((x, i) =>
                          i !== s
                            ? x
                            : {
                                ...x,
                                properties: x.properties.filter(
                                  (_, j) => j !== p,
                                ),
                              },
                        ),
                      );
                    }}
                  >
                    <DeleteIcon />
                  </IconButton>
                </div>
              );
            })}
            {listError && (
              <Typography color="error" variant="caption" role="alert">
                {listError}
              </Typography>
            )}
            <Box mt={1}>
              <Button
                size="small"
                startIcon={<AddIcon />}
                onClick={() =>
                  update(
                    value.map((x, i) =>
                      i === s
                        ? {
                            ...x,
                            properties: [...x.properties, emptyProperty()],
                          }
                        : x,
                    ),
                  )
                }
              >
                Add property to secret {label}
              </Button>
            </Box>
          </Paper>
        );
      })}
      <Button
        variant="outlined"
        startIcon={<AddIcon />}
        onClick={() => update([...value, emptySecret()])}
      >
        Add secret
      </Button>
    </Box>
  );
}
