import { createHash } from 'node:crypto';
import {
  DeclarationSchemas,
  Schema,
  metaModelFile,
  modelFile,
} from './openapiSchemas';
import { ResourceType, isCustomResource } from './resourceTypes';
import { ARGO_APPLICATION_SCHEMA } from './argoApplication';

/**
 * The API server's OpenAPI v3 endpoints: `/openapi/v3` lists one document per group version,
 * `/openapi/v3/<api|apis/group>/<version>?hash=…` is that document, with a path per endpoint
 * (operations tagged `x-kubernetes-group-version-kind`, the `fieldValidation` parameter that
 * tells kubectl the server validates fields, and the patch types each kind accepts) and the
 * schemas of its kinds. kubectl reads them for `apply`, `create` and `explain`.
 */

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function reverseGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

function queryParameter(name: string, description: string, type = 'string') {
  return {
    name,
    in: 'query',
    description,
    schema: { type, uniqueItems: true },
  };
}

const PRETTY = queryParameter(
  'pretty',
  "If 'true', then the output is pretty printed.",
);
const DRY_RUN = queryParameter(
  'dryRun',
  'When present, indicates that modifications should not be persisted. Valid values are: All.',
);
const FIELD_MANAGER = queryParameter(
  'fieldManager',
  'fieldManager is a name associated with the actor or entity that is making these changes.',
);
const FIELD_VALIDATION = queryParameter(
  'fieldValidation',
  'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.',
);
const FORCE = queryParameter(
  'force',
  'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.',
  'boolean',
);
const LIST_PARAMETERS = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
].map(name => queryParameter(name, name));

function pathParameter(name: string, description: string) {
  return {
    name,
    in: 'path',
    description,
    required: true,
    schema: { type: 'string', uniqueItems: true },
  };
}

function jsonContent(schema: Schema) {
  return {
    'application/json': { schema },
    'application/yaml': { schema },
  };
}

/** The documents of every group version the emulator serves, built once on first use. */
export class OpenApiDocuments {
  private built: Map<string, { document: Schema; hash: string }> | undefined;
  private kindSchemas = new Map<ResourceType, string>();
  private allComponents: Record<string, Schema> = {};

  constructor(
    private readonly types: readonly ResourceType[],
    private readonly serverVersion: string,
  ) {}

  /** `GET /openapi/v3`. */
  discovery() {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [key, { hash }] of this.documents()) {
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
    return { paths };
  }

  /** `GET /openapi/v3/<key>`, or undefined for a group version that is not served. */
  document(key: string): { document: Schema; hash: string } | undefined {
    return this.documents().get(key.replace(/^\/+|\/+$/g, ''));
  }

  /** The schema of a kind and the components it refers to, for field validation. */
  schemaOf(type: ResourceType): {
    schema: Schema;
    components: Record<string, Schema>;
  } {
    this.documents();
    return {
      schema: this.allComponents[this.kindSchemas.get(type)!],
      components: this.allComponents,
    };
  }

  private documents() {
    if (this.built) {
      return this.built;
    }
    const schemas = new DeclarationSchemas();
    const groups = new Map<string, ResourceType[]>();
    for (const type of this.types) {
      const key = gvPath(type.group, type.version);
      groups.set(key, [...(groups.get(key) ?? []), type]);
    }
    const built = new Map<string, { document: Schema; hash: string }>();
    for (const [key, types] of groups) {
      const own: Record<string, Schema> = {};
      const paths: Record<string, Schema> = {};
      for (const type of types) {
        const { file, name } = modelFile(type);
        const gvk = {
          group: type.group,
          kind: type.kind,
          version: type.version,
        };
        let kindName: string;
        if (type.group === 'argoproj.io') {
          kindName = `${reverseGroup(type.group)}.${type.version}.${type.kind}`;
          own[kindName] = {
            ...ARGO_APPLICATION_SCHEMA,
            'x-kubernetes-group-version-kind': [gvk],
          };
        } else if (type.group === 'external-secrets.io') {
          kindName = `${reverseGroup(type.group)}.${type.version}.${type.kind}`;
          own[kindName] = {
            ...schemas.inlineSchema(file, name),
            'x-kubernetes-group-version-kind': [gvk],
          };
        } else {
          kindName = schemas.component(file, name);
          schemas.components.get(kindName)!['x-kubernetes-group-version-kind'] =
            [gvk];
        }
        const listName = `${kindName}List`;
        own[listName] = {
          description: `${type.kind}List is a list of ${type.kind}`,
          type: 'object',
          required: ['items'],
          properties: {
            apiVersion: { type: 'string' },
            items: {
              type: 'array',
              items: { allOf: [ref(kindName)], default: {} },
            },
            kind: { type: 'string' },
            metadata: { allOf: [ref(`${META}.ListMeta`)], default: {} },
          },
          'x-kubernetes-group-version-kind': [
            { ...gvk, kind: `${type.kind}List` },
          ],
        };
        this.kindSchemas.set(type, kindName);
        Object.assign(paths, this.pathsOf(type, kindName, listName));
      }
      built.set(key, { document: { own, paths }, hash: '' });
    }
    // apimachinery's own types every document refers to
    for (const name of [
      'IListMeta',
      'IStatus',
      'IDeleteOptions',
      'IObjectMeta',
    ]) {
      schemas.component(metaModelFile(name), name);
    }
    const shared = Object.fromEntries(schemas.components);
    shared[`${META}.Patch`] = {
      description:
        'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
      type: 'object',
    };
    this.allComponents = { ...shared };
    for (const [key, entry] of built) {
      const components = { ...shared, ...entry.document.own };
      Object.assign(this.allComponents, entry.document.own);
      const document = {
        openapi: '3.0.0',
        info: { title: 'Kubernetes', version: this.serverVersion },
        paths: entry.document.paths,
        components: { schemas: components },
      };
      const hash = createHash('sha512')
        .update(JSON.stringify(document))
        .digest('hex')
        .toUpperCase();
      built.set(key, { document, hash });
    }
    this.built = built;
    return built;
  }

  private pathsOf(type: ResourceType, kindName: string, listName: string) {
    const gvk = { group: type.group, kind: type.kind, version: type.version };
    const base = type.group
      ? `/apis/${type.group}/${type.version}`
      : `/api/${type.version}`;
    const scope = type.namespaced ? `${base}/namespaces/{namespace}` : base;
    const collection = `${scope}/${type.plural}`;
    const item = `${collection}/{name}`;
    const operationId = (verb: string, suffix = '') =>
      `${verb}${type.group ? type.group.split('.')[0] : 'Core'}${
        type.version[0].toUpperCase() + type.version.slice(1)
      }${type.namespaced ? 'Namespaced' : ''}${type.kind}${suffix}`;
    const responses = (schema: Schema, ...codes: string[]) =>
      Object.fromEntries([
        ...codes.map(code => [
          code,
          {
            description: code === '201' ? 'Created' : 'OK',
            content: jsonContent(schema),
          },
        ]),
        ['401', { description: 'Unauthorized' }],
      ]);
    const operation = (
      action: string,
      verb: string,
      extra: Schema,
      suffix = '',
    ) => ({
      description: `${action} ${type.kind}`,
      operationId: operationId(verb, suffix),
      ...extra,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const patchTypes = [
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      ...(isCustomResource(type)
        ? []
        : ['application/strategic-merge-patch+json']),
    ];
    const writes = (withForce: boolean) => [
      DRY_RUN,
      FIELD_MANAGER,
      FIELD_VALIDATION,
      ...(withForce ? [FORCE] : []),
    ];
    const itemOperations = (suffix: string) => ({
      get: operation(
        'get',
        'read',
        { responses: responses(ref(kindName), '200') },
        suffix,
      ),
      put: operation(
        'put',
        'replace',
        {
          parameters: writes(false),
          requestBody: { content: jsonContent(ref(kindName)), required: true },
          responses: responses(ref(kindName), '200', '201'),
        },
        suffix,
      ),
      patch: operation(
        'patch',
        'patch',
        {
          parameters: writes(true),
          requestBody: {
            content: Object.fromEntries(
              patchTypes.map(t => [t, { schema: ref(`${META}.Patch`) }]),
            ),
            required: true,
          },
          responses: responses(ref(kindName), '200', '201'),
        },
        suffix,
      ),
    });
    const scopeParameters = [
      ...(type.namespaced
        ? [
            pathParameter(
              'namespace',
              'object name and auth scope, such as for teams and projects',
            ),
          ]
        : []),
      PRETTY,
    ];
    if (type.virtual) {
      // review APIs (TokenReview) only take a POST: nothing is stored to read back
      return {
        [collection]: {
          post: operation('post', 'create', {
            parameters: writes(false),
            requestBody: {
              content: jsonContent(ref(kindName)),
              required: true,
            },
            responses: responses(ref(kindName), '200', '201'),
          }),
          parameters: scopeParameters,
        },
      };
    }
    const nameParameter = pathParameter('name', `name of the ${type.kind}`);
    const paths: Record<string, Schema> = {
      [collection]: {
        get: operation('list', 'list', {
          parameters: LIST_PARAMETERS,
          responses: responses(ref(listName), '200'),
        }),
        post: operation('post', 'create', {
          parameters: writes(false),
          requestBody: { content: jsonContent(ref(kindName)), required: true },
          responses: responses(ref(kindName), '200', '201'),
        }),
        delete: operation('deletecollection', 'deleteCollection', {
          parameters: LIST_PARAMETERS,
          responses: responses(ref(`${META}.Status`), '200'),
        }),
        parameters: scopeParameters,
      },
      [item]: {
        ...itemOperations(''),
        delete: operation('delete', 'delete', {
          parameters: [DRY_RUN],
          responses: responses(ref(`${META}.Status`), '200'),
        }),
        parameters: [nameParameter, ...scopeParameters],
      },
    };
    if (type.namespaced) {
      paths[`${base}/${type.plural}`] = {
        get: operation(
          'list',
          'list',
          {
            parameters: LIST_PARAMETERS,
            responses: responses(ref(listName), '200'),
          },
          'ForAllNamespaces',
        ),
      };
    }
    if (type.hasStatusSubresource) {
      paths[`${item}/status`] = {
        ...itemOperations('Status'),
        parameters: [nameParameter, ...scopeParameters],
      };
    }
    return paths;
  }
}
