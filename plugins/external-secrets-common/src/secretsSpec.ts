import { nameProblem } from './naming';

/**
 * One problem in a list of secrets as a template or form gives it: `path` locates the field
 * (`[0, 'properties', 1, 'secretKey']`), `field` names it as the actions do
 * (`secrets[0].properties[1].secretKey`), `message` says what is wrong and what is allowed.
 *
 * @public
 */
export interface SecretsProblem {
  path: Array<string | number>;
  field: string;
  message: string;
}

/** The most secrets, and properties per secret, one service may declare. */
const MAX_ENTRIES = 100;

function fieldName(path: Array<string | number>): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : `${text}.${part}`,
    'secrets',
  );
}

/**
 * Everything wrong with a service's list of secrets (a list of `name` and `properties`, each
 * property a `property` and a `secretKey`), by the rules the manifests action enforces: at least one secret, each a
 * valid and unique name whose ExternalSecret name (`<service>-<secret>`) is valid too; at least
 * one property each, with a valid Vault property and Secret key; no Secret key twice in one
 * secret (ESO's admission webhook refuses it: `duplicate secretKey`). The combined name is
 * checked only when the service name is itself valid. Never throws; empty when the list is
 * valid.
 *
 * @public
 */
export function secretsProblems(
  serviceName: unknown,
  secrets: unknown,
): SecretsProblem[] {
  const problems: SecretsProblem[] = [];
  const add = (path: Array<string | number>, message: string) =>
    problems.push({ path, field: fieldName(path), message });

  if (!Array.isArray(secrets) || secrets.length === 0) {
    add([], 'give at least one secret');
    return problems;
  }
  if (secrets.length > MAX_ENTRIES) {
    add([], `at most ${MAX_ENTRIES} secrets`);
    return problems;
  }
  const service =
    nameProblem('serviceName', serviceName) === undefined
      ? (serviceName as string)
      : undefined;
  const seenNames = new Set<string>();
  secrets.forEach((secret: any, index) => {
    const name = secret?.name;
    const nameWrong = nameProblem('kubernetesObjectName', name);
    if (nameWrong) {
      add([index, 'name'], nameWrong);
    } else if (seenNames.has(name)) {
      add([index, 'name'], `"${name}" is listed twice`);
    } else {
      seenNames.add(name);
      // the Vault key <service>/<secret> always fits when both names do; the object name may not
      const objectWrong =
        service && nameProblem('kubernetesObjectName', `${service}-${name}`);
      if (objectWrong) {
        add(
          [index, 'name'],
          `makes the ExternalSecret and Secret name ${objectWrong}`,
        );
      }
    }

    const properties = secret?.properties;
    if (!Array.isArray(properties) || properties.length === 0) {
      add([index, 'properties'], 'give at least one property');
      return;
    }
    if (properties.length > MAX_ENTRIES) {
      add([index, 'properties'], `at most ${MAX_ENTRIES} properties`);
      return;
    }
    const seenKeys = new Set<string>();
    properties.forEach((mapping: any, p) => {
      const propertyWrong = nameProblem('vaultProperty', mapping?.property);
      if (propertyWrong) {
        add([index, 'properties', p, 'property'], propertyWrong);
      }
      const key = mapping?.secretKey;
      const keyWrong = nameProblem('secretDataKey', key);
      if (keyWrong) {
        add([index, 'properties', p, 'secretKey'], keyWrong);
      } else if (seenKeys.has(key)) {
        add(
          [index, 'properties', p, 'secretKey'],
          `duplicate secretKey "${key}": each key of the Kubernetes Secret comes from one property`,
        );
      } else {
        seenKeys.add(key);
      }
    });
  });
  return problems;
}
