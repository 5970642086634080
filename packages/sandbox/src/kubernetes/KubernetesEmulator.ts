import {
  accessReviewAttributes,
  accessReviewResponse,
  rulesReviewNamespace,
  rulesReviewResponse,
} from './accessReview';
import { decodeProtobufReview, isProtobuf } from './protobufReview';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { parseApiPath } from './apiPath';
import {
  AUTH_DELEGATOR_ROLE,
  PUBLIC_INFO_PATHS,
  bootstrapPolicy,
} from './bootstrapPolicy';
import {
  ClusterClient,
  ClusterCredentials,
  TokenRequestSpec,
} from './ClusterClient';
import { FieldSelector } from './fieldSelector';
import { parseFieldValidation, validateFields } from './fieldValidation';
import { healthResponse } from './health';
import {
  KubernetesApiError,
  badRequest,
  expired,
  forbidden,
  invalid,
  notFound,
  qualifiedResource,
} from './kubernetesStatus';
import { KubeObject } from './kubeObject';
import { LabelSelector } from './labelSelector';
import {
  NAMESPACE_NAME_LABEL,
  ObjectRegistry,
  PatchType,
} from './objectRegistry';
import { OpenApiDocuments } from './openapi';
import {
  ChangeListener,
  ObjectStore,
  StoreSnapshot,
  StoredChange,
} from './objectStore';
import { AuthorizationDecision, RbacAuthorizer } from './RbacAuthorizer';
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS_USER,
  AuthorizationAttributes,
  PolicyRule,
  RBAC_GROUP,
  RoleRef,
  SYSTEM_MASTERS,
  UserInfo,
  describeRule,
  serviceAccountUser,
  uncoveredRules,
} from './rbacRules';
import { requestAttributes } from './requestAttributes';
import { RecordedRequest, RequestLog } from './requestLog';
import { appliedForCreate, applyOver, checkApply } from './serverSideApply';
import {
  RESOURCE_TYPES,
  ResourceType,
  STORED_RESOURCE_TYPES,
  apiGroups,
  apiResourceList,
  apiVersionOf,
} from './resourceTypes';
import {
  IssueTokenOptions,
  ServiceAccountTokenClaims,
  ServiceAccountTokenIssuer,
} from './serviceAccountTokens';
import { IncludeObject, parseIncludeObject, toTable } from './tables';
import { WatchStream } from './watchStream';
import { WorkloadControllers } from './workloadControllers';

/**
 * A request to the emulated API server, independent of any transport. Header names are
 * lower-case; `body` is the raw request text.
 *
 * @public
 */
export interface KubernetesRequest {
  method: string;
  path: string;
  query?: URLSearchParams | Record<string, string>;
  headers?: Record<string, string | undefined>;
  body?: string;
  /** The body's bytes, for binary encodings (Kubernetes protobuf) a string would mangle. */
  bodyBytes?: Uint8Array;
}

/**
 * The emulator's answer: a JSON `body`, or a `stream` for watches, or `networkError` when the
 * emulated cluster is down (the transport should drop the connection).
 *
 * @public
 */
export interface KubernetesResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  stream?: ReadableStream<Uint8Array>;
  networkError?: boolean;
}

/**
 * A static bearer token and the user it authenticates as (a line of the API server's
 * `--token-auth-file`). `system:authenticated` is added to the groups.
 *
 * @public
 */
export interface StaticTokenUser {
  token: string;
  username: string;
  uid?: string;
  groups?: string[];
}

/** The user a bare static token authenticates as: a cluster administrator, as kind's admin is. */
export const STATIC_ADMIN_USER = 'kubernetes-admin';

/** @public */
export interface KubernetesEmulatorOptions {
  /** The API server URL clients (and Vault's `kubernetes_host`) use. */
  url: string;
  /** PEM of the cluster CA; Vault's `kubernetes_ca_cert` must match it for logins to work. */
  caCertPem?: string;
  /** Service account token issuer (`iss`) and default audience. */
  issuer?: string;
  /**
   * Static bearer tokens accepted in addition to service account tokens this cluster issued. A
   * bare string authenticates as `kubernetes-admin` in `system:masters` (allowed everything);
   * give a {@link StaticTokenUser} for any other identity, which RBAC then authorizes.
   */
  tokens?: Array<string | StaticTokenUser>;
  /** Clock for timestamps and token expiry; tests move it forward instead of waiting. */
  now?: () => Date;
  /** How many changes watches can resume from before older ones are compacted. */
  historyLimit?: number;
  /** How often watches that asked for bookmarks get one. */
  bookmarkIntervalMs?: number;
  /** Start with Secret data reads forbidden (see {@link RequestLog}). */
  forbidSecretDataReads?: boolean;
}

/**
 * The emulator's whole state as JSON-safe data (objects, revision, token signing key,
 * revocations, TokenReview grants, CA), for the sandbox's `--state-dir`.
 *
 * @public
 */
export interface KubernetesEmulatorState {
  version: 1;
  store: StoreSnapshot;
  tokens: { key: string; revokedTokenIds: string[] };
  /**
   * Accounts allowed to review tokens, from states saved before TokenReview was authorized by
   * RBAC; restored as `system:auth-delegator` bindings. Not written any more.
   */
  tokenReviewers?: string[];
  caCertPem?: string;
}

/** The default issuer of Kubernetes service account tokens, also their default audience. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER =
  'https://kubernetes.default.svc.cluster.local';

const METADATA_GROUP = 'meta.k8s.io';
const SERVER_VERSION = {
  major: '1',
  minor: '33',
  gitVersion: 'v1.33.0-sandbox',
};

/** TokenRequest's shortest allowed lifetime. */
const MIN_TOKEN_SECONDS = 600;
const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

interface WatchRegistration {
  stream: WatchStream;
  resourceType: ResourceType;
  bookmarks: boolean;
  asMetadata: boolean;
}

interface ParsedAccept {
  metadataList: boolean;
  metadataObject: boolean;
  /** Server-side printing (`as=Table`), which `kubectl get` asks for. */
  table: boolean;
}

const TABLE_CONTENT_TYPE = `application/json;as=Table;v=v1;g=${METADATA_GROUP}`;

function parseAccept(header: string | undefined): ParsedAccept {
  const result = { metadataList: false, metadataObject: false, table: false };
  for (const mediaType of (header ?? '').split(',')) {
    const params = new Map(
      mediaType
        .split(';')
        .slice(1)
        .map(p => p.trim().split('=') as [string, string]),
    );
    if (params.get('g') !== METADATA_GROUP) {
      continue;
    }
    if (params.get('as') === 'PartialObjectMetadataList') {
      result.metadataList = true;
    }
    if (params.get('as') === 'PartialObjectMetadata') {
      result.metadataObject = true;
    }
    if (params.get('as') === 'Table') {
      result.table = true;
    }
  }
  return result;
}

function toMetadataObject(object: KubeObject) {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `${METADATA_GROUP}/v1`,
    metadata: object.metadata,
  };
}

function json(status: number, body: unknown, contentType = 'application/json') {
  return { status, headers: { 'content-type': contentType }, body };
}

function plainText(status: number, body: string) {
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

/**
 * An in-memory Kubernetes API server for namespaces, ConfigMaps, Secrets, ServiceAccounts,
 * Events and ESO's `external-secrets.io/v1` objects. `handle()` is transport-free; msw handlers
 * and a Node request listener put it on the wire. In-process code (the ESO simulation, seed
 * data, tests) uses `objects` directly, with the same validation and watch notifications.
 *
 * @public
 */
export class KubernetesEmulator {
  readonly url: string;
  readonly issuer: string;
  readonly requestLog: RequestLog;
  /** The API server's object operations, for in-process callers (no auth, not logged). */
  readonly objects: ObjectRegistry;
  private caPem: string | undefined;
  private readonly store: ObjectStore;
  private readonly workloads: WorkloadControllers;
  /** RBAC over the stored roles and bindings (with `system:masters` allowed everything). */
  readonly authorizer: RbacAuthorizer;
  private readonly tokens: ServiceAccountTokenIssuer;
  private readonly staticTokens: Map<string, UserInfo>;
  private readonly watches = new Set<WatchRegistration>();
  private readonly pendingTokenFills = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly bookmarkIntervalMs: number;
  private bookmarkTimer: ReturnType<typeof setInterval> | undefined;
  private down = false;
  /** Built on the first request for it: reading the model declarations takes a moment. */
  private readonly openApi = new OpenApiDocuments(
    RESOURCE_TYPES,
    SERVER_VERSION.gitVersion,
  );
  /** `Warning` headers of the request being answered (field validation). */
  private readonly warnings = new WeakMap<RecordedRequest, string[]>();

  constructor(options: KubernetesEmulatorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.caPem = options.caCertPem;
    this.issuer = options.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER;
    this.now = options.now ?? (() => new Date());
    this.staticTokens = new Map(
      (options.tokens ?? []).map(entry => {
        const user: StaticTokenUser =
          typeof entry === 'string'
            ? {
                token: entry,
                username: STATIC_ADMIN_USER,
                groups: [SYSTEM_MASTERS],
              }
            : entry;
        return [
          user.token,
          {
            username: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: [...new Set([...(user.groups ?? []), ALL_AUTHENTICATED])],
          },
        ];
      }),
    );
    this.store = new ObjectStore(options.historyLimit ?? 10_000);
    this.store.subscribe(change => this.onStoredChange(change));
    this.objects = new ObjectRegistry(this.store, this.now);
    this.workloads = new WorkloadControllers(
      this.objects,
      listener => this.store.subscribe(listener),
      {
        deployments: this.type('deployments'),
        replicasets: this.type('replicasets'),
        pods: this.type('pods'),
      },
      this.now,
    );
    this.authorizer = new RbacAuthorizer({
      clusterRoleBindings: () =>
        this.store.list(this.type('clusterrolebindings')),
      roleBindings: namespace =>
        this.store.list(this.type('rolebindings'), namespace),
      clusterRole: name =>
        this.store.get(this.type('clusterroles'), undefined, name),
      role: (namespace, name) =>
        this.store.get(this.type('roles'), namespace, name),
    });
    this.tokens = new ServiceAccountTokenIssuer(this.issuer, this.now);
    this.requestLog = new RequestLog(options.forbidSecretDataReads ?? false);
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    for (const name of ['default', 'kube-system', 'kube-public']) {
      this.store.commit('ADDED', this.type('namespaces'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name,
          uid: randomUUID(),
          creationTimestamp: this.now().toISOString(),
          labels: { [NAMESPACE_NAME_LABEL]: name },
        },
        status: { phase: 'Active' },
      });
    }
    this.ensureBootstrapPolicy();
  }

  /**
   * Puts back any missing role or binding of the bootstrap RBAC policy, as the API server does
   * at every start (roles someone changed are left as they are).
   */
  private ensureBootstrapPolicy() {
    const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
    for (const [plural, objects] of [
      ['clusterroles', clusterRoles],
      ['clusterrolebindings', clusterRoleBindings],
    ] as const) {
      const type = this.type(plural);
      for (const object of objects) {
        if (!this.store.get(type, undefined, object.metadata.name!)) {
          this.store.commit('ADDED', type, {
            ...object,
            metadata: {
              ...object.metadata,
              uid: randomUUID(),
              creationTimestamp: this.now()
                .toISOString()
                .replace(/\.\d{3}Z$/, 'Z'),
            },
          });
        }
      }
    }
  }

  /** The cluster CA PEM Vault must trust to reach this API server. */
  get caCertPem(): string | undefined {
    return this.caPem;
  }

  /** Replaces the cluster CA (a rebuilt or re-keyed cluster): Vault's copy becomes stale. */
  rotateCa(caCertPem: string): void {
    this.caPem = caCertPem;
  }

  /** The resource type served under `plural` (e.g. `externalsecrets`). */
  type(plural: string): ResourceType {
    const found = RESOURCE_TYPES.find(t => t.plural === plural);
    if (!found) {
      throw new Error(`The Kubernetes emulator does not serve ${plural}`);
    }
    return found;
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    return this.store.subscribe(listener);
  }

  /**
   * Issues a token for an existing service account, like the TokenRequest API (which is also
   * served at `POST .../serviceaccounts/<name>/token`).
   */
  async issueServiceAccountToken(
    options: Omit<IssueTokenOptions, 'uid'>,
  ): Promise<string> {
    const account = this.objects.get(
      this.type('serviceaccounts'),
      options.namespace,
      options.name,
    );
    return this.tokens.issue({ ...options, uid: account.metadata.uid! });
  }

  /**
   * The claims of a token this cluster issued, if it is valid now: signed here, not expired,
   * not revoked, and its service account still exists with the same uid.
   */
  async verifyServiceAccountToken(
    token: string,
  ): Promise<ServiceAccountTokenClaims | undefined> {
    const claims = await this.tokens.verify(token);
    if (!claims) {
      return undefined;
    }
    const { namespace, serviceaccount, secret } = claims['kubernetes.io'];
    const account = this.store.get(
      this.type('serviceaccounts'),
      namespace,
      serviceaccount.name,
    );
    if (account?.metadata.uid !== serviceaccount.uid) {
      return undefined;
    }
    if (secret) {
      const stored = this.store.get(
        this.type('secrets'),
        namespace,
        secret.name,
      );
      if (stored?.metadata.uid !== secret.uid) {
        return undefined;
      }
    }
    return claims;
  }

  /**
   * The token controller's part for `kubernetes.io/service-account-token` Secrets: a new one
   * annotated `kubernetes.io/service-account.name` of an existing account gets `token` (a
   * long-lived token valid while the Secret and the account exist), `ca.crt` and `namespace`,
   * shortly after it is created, as on a real cluster. Secrets naming a missing account stay
   * empty.
   */
  private onStoredChange(change: StoredChange): void {
    const secret = change.object;
    if (
      change.type !== 'ADDED' ||
      change.resourceType.plural !== 'secrets' ||
      secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE ||
      (secret.data as Record<string, string> | undefined)?.token
    ) {
      return;
    }
    const fill = this.fillTokenSecret(secret).finally(() =>
      this.pendingTokenFills.delete(fill),
    );
    this.pendingTokenFills.add(fill);
  }

  private async fillTokenSecret(created: KubeObject): Promise<void> {
    const namespace = created.metadata.namespace!;
    const accountName =
      created.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
    const account = accountName
      ? this.store.get(this.type('serviceaccounts'), namespace, accountName)
      : undefined;
    if (!account) {
      return;
    }
    const token = await this.tokens.issue({
      namespace,
      name: accountName!,
      uid: account.metadata.uid!,
      // legacy Secret tokens do not expire; ten years stands in for that
      expirationSeconds: 10 * 365 * 24 * 3600,
      secret: { name: created.metadata.name!, uid: created.metadata.uid! },
    });
    const current = this.store.get(
      this.type('secrets'),
      namespace,
      created.metadata.name!,
    );
    if (current?.metadata.uid !== created.metadata.uid) {
      return;
    }
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    this.store.commit('MODIFIED', this.type('secrets'), {
      ...current!,
      metadata: {
        ...current!.metadata,
        annotations: {
          ...current!.metadata.annotations,
          [SERVICE_ACCOUNT_UID_ANNOTATION]: account.metadata.uid!,
        },
      },
      data: {
        ...((current!.data as Record<string, string>) ?? {}),
        token: b64(token),
        namespace: b64(namespace),
        ...(this.caPem ? { 'ca.crt': b64(this.caPem) } : {}),
      },
    });
  }

  /** Resolves once the token controller has filled every token Secret created so far. */
  async tokenControllerIdle(): Promise<void> {
    while (this.pendingTokenFills.size) {
      await Promise.all([...this.pendingTokenFills]);
    }
  }

  revokeServiceAccountToken(token: string): void {
    this.tokens.revoke(token);
  }

  /**
   * Binds a service account to `system:auth-delegator` (ClusterRoleBinding
   * `<namespace>-<name>-auth-delegator`), which lets it call the TokenReview API: Vault's
   * reviewer account, or every logging-in account in client-JWT mode.
   */
  grantTokenReview(namespace: string, name: string): void {
    const type = this.type('clusterrolebindings');
    const bindingName = `${namespace}-${name}-auth-delegator`;
    if (this.store.get(type, undefined, bindingName)) {
      return;
    }
    this.store.commit('ADDED', type, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: {
        name: bindingName,
        uid: randomUUID(),
        creationTimestamp: this.now()
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      },
      roleRef: {
        apiGroup: RBAC_GROUP,
        kind: 'ClusterRole',
        name: AUTH_DELEGATOR_ROLE,
      },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
  }

  /** Removes the account from every `system:auth-delegator` binding (deleting emptied ones). */
  revokeTokenReview(namespace: string, name: string): void {
    const type = this.type('clusterrolebindings');
    for (const binding of this.store.list(type)) {
      if ((binding.roleRef as RoleRef)?.name !== AUTH_DELEGATOR_ROLE) {
        continue;
      }
      const subjects = (
        (binding.subjects as Array<Record<string, string>>) ?? []
      ).filter(
        s =>
          !(
            s.kind === 'ServiceAccount' &&
            s.name === name &&
            s.namespace === namespace
          ),
      );
      if (subjects.length === ((binding.subjects as unknown[]) ?? []).length) {
        continue;
      }
      if (subjects.length === 0) {
        this.store.commit('DELETED', type, binding);
      } else {
        this.store.commit('MODIFIED', type, { ...binding, subjects });
      }
    }
  }

  /** Whether the token's account may create TokenReviews, as RBAC decides for the API call. */
  canReviewTokens(claims: ServiceAccountTokenClaims): boolean {
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    return this.authorizer.authorize({
      user: serviceAccountUser(
        namespace,
        serviceaccount.name,
        serviceaccount.uid,
      ),
      verb: 'create',
      resourceRequest: true,
      apiGroup: 'authentication.k8s.io',
      apiVersion: 'v1',
      resource: 'tokenreviews',
    }).allowed;
  }

  /**
   * The user a bearer token authenticates as: a static token's user, or for a service account
   * token this cluster issued (valid, for one of the API server's audiences, its account still
   * there) `system:serviceaccount:<ns>:<name>` in `system:serviceaccounts`,
   * `system:serviceaccounts:<ns>` and `system:authenticated`. Undefined for anything else.
   */
  async authenticateToken(token: string): Promise<UserInfo | undefined> {
    const fixed = this.staticTokens.get(token);
    if (fixed) {
      return fixed;
    }
    const claims = await this.verifyServiceAccountToken(token);
    if (!claims || !claims.aud.includes(this.issuer)) {
      return undefined;
    }
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    return serviceAccountUser(
      namespace,
      serviceaccount.name,
      serviceaccount.uid,
    );
  }

  /** What RBAC (behind `system:masters`) decides for a request. */
  authorize(attributes: AuthorizationAttributes): AuthorizationDecision {
    return this.authorizer.authorize(attributes);
  }

  /** Throws the API server's `403 Forbidden` unless the request is allowed. */
  assertAllowed(attributes: AuthorizationAttributes): void {
    const decision = this.authorize(attributes);
    if (!decision.allowed) {
      throw forbidden(attributes, decision.reason);
    }
  }

  /** An in-process client that calls the API as the given token or identity, under RBAC. */
  clientFor(credentials: ClusterCredentials): ClusterClient {
    return new ClusterClient(this, credentials);
  }

  /**
   * The check RBAC writes by `user` must pass (undefined for other kinds): a Role or
   * ClusterRole may only grant what the user holds where it applies (or the user has
   * `escalate` on it), and a binding may only bind a role whose rules the user holds (or the
   * user has `bind` on that role). `system:masters` passes.
   */
  escalationCheck(
    user: UserInfo,
    type: ResourceType,
  ): ((object: KubeObject) => void) | undefined {
    if (type.group !== RBAC_GROUP) {
      return undefined;
    }
    return (object: KubeObject) => {
      if (user.groups.includes(SYSTEM_MASTERS)) {
        return;
      }
      const namespace = type.namespaced ? object.metadata.namespace : undefined;
      const may = (verb: string, resource: string, name: string, ns?: string) =>
        this.authorize({
          user,
          verb,
          resourceRequest: true,
          apiGroup: RBAC_GROUP,
          apiVersion: 'v1',
          resource,
          name,
          ...(ns ? { namespace: ns } : {}),
        }).allowed;
      let wanted: PolicyRule[];
      if (type.kind === 'Role' || type.kind === 'ClusterRole') {
        if (may('escalate', type.plural, object.metadata.name!, namespace)) {
          return;
        }
        wanted = (object.rules as PolicyRule[]) ?? [];
      } else {
        const roleRef = object.roleRef as RoleRef;
        const isRole = roleRef.kind === 'Role';
        if (
          may(
            'bind',
            isRole ? 'roles' : 'clusterroles',
            roleRef.name,
            namespace,
          )
        ) {
          return;
        }
        const role = isRole
          ? this.store.get(this.type('roles'), namespace, roleRef.name)
          : this.store.get(this.type('clusterroles'), undefined, roleRef.name);
        if (!role) {
          throw notFound(
            isRole ? 'role' : 'clusterrole',
            RBAC_GROUP,
            roleRef.name,
          );
        }
        wanted = (role.rules as PolicyRule[]) ?? [];
      }
      const held = this.authorizer.rulesFor(user, namespace);
      const missing = uncoveredRules(
        [...held.resourceRules, ...held.nonResourceRules],
        wanted,
      );
      if (missing.length) {
        throw new KubernetesApiError(
          403,
          'Forbidden',
          `${qualifiedResource(type.plural, RBAC_GROUP)} ${JSON.stringify(
            object.metadata.name,
          )} is forbidden: user ${JSON.stringify(
            user.username,
          )} (groups=[${user.groups
            .map(g => JSON.stringify(g))
            .join(
              ' ',
            )}]) is attempting to grant RBAC permissions not currently held:\n${missing
            .map(describeRule)
            .join('\n')}`,
          { name: object.metadata.name, group: RBAC_GROUP, kind: type.plural },
        );
      }
    };
  }

  /**
   * Answers a TokenReview the way the API server does: `authenticated` with the user for a
   * token it accepts (for `audiences` when given, else its own), or an `error` saying why not.
   */
  async reviewToken(
    token: string,
    audiences?: string[],
  ): Promise<{
    authenticated: boolean;
    user?: UserInfo;
    audiences?: string[];
    error?: string;
  }> {
    const fixed = this.staticTokens.get(token);
    if (fixed && !audiences?.length) {
      return { authenticated: true, user: fixed, audiences: [this.issuer] };
    }
    const claims = await this.verifyServiceAccountToken(token);
    if (!claims) {
      return {
        authenticated: false,
        error: '[invalid bearer token, token lookup failed]',
      };
    }
    const wanted = audiences?.length ? audiences : [this.issuer];
    const matching = wanted.filter(a => claims.aud.includes(a));
    if (matching.length === 0) {
      return {
        authenticated: false,
        error: `[invalid bearer token, token audiences ${JSON.stringify(
          claims.aud,
        )} is invalid for the target audiences ${JSON.stringify(wanted)}]`,
      };
    }
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    return {
      authenticated: true,
      user: serviceAccountUser(
        namespace,
        serviceaccount.name,
        serviceaccount.uid,
      ),
      audiences: matching,
    };
  }

  /**
   * A TokenRequest for an existing service account (what `POST .../serviceaccounts/<name>/token`
   * answers): `expirationSeconds` at least 600 (default 3600), audiences default to the API
   * server's own.
   */
  async requestToken(
    namespace: string,
    name: string,
    spec: TokenRequestSpec = {},
  ): Promise<KubeObject> {
    const expirationSeconds = spec.expirationSeconds ?? 3600;
    if (expirationSeconds < MIN_TOKEN_SECONDS) {
      throw invalid('TokenRequest', 'authentication.k8s.io', name, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.expirationSeconds',
          message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
        },
      ]);
    }
    const audiences = spec.audiences?.length ? spec.audiences : [this.issuer];
    const token = await this.issueServiceAccountToken({
      namespace,
      name,
      audiences,
      expirationSeconds,
    });
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace },
      spec: { audiences, expirationSeconds, boundObjectRef: null },
      status: {
        token,
        expirationTimestamp: new Date(
          this.now().getTime() + expirationSeconds * 1000,
        )
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  }

  /** Fault injection for tests and the sandbox admin API. */
  readonly faults = {
    /** While down, every request fails as a refused connection and open watches break. */
    setClusterDown: (down: boolean) => {
      this.down = down;
      if (down) {
        for (const watch of [...this.watches]) {
          watch.stream.abort(new Error('connection reset by peer'));
        }
      }
    },
    isClusterDown: () => this.down,
    /** Ends every open watch cleanly; clients must re-watch. */
    dropAllWatches: () => {
      for (const watch of [...this.watches]) {
        watch.stream.close();
      }
    },
    /** Forgets change history: the next watch from an older resourceVersion gets 410 Expired. */
    compactHistory: () => this.store.compact(),
  };

  /** How many watch streams are open (tests check that clients close theirs). */
  get openWatchCount(): number {
    return this.watches.size;
  }

  /** Sends a BOOKMARK to every watch that asked for them (also sent on a timer). */
  sendBookmarks(): void {
    for (const watch of this.watches) {
      if (watch.bookmarks) {
        watch.stream.send(this.bookmarkEvent(watch.resourceType));
      }
    }
  }

  exportState(): KubernetesEmulatorState {
    return {
      version: 1,
      store: this.store.snapshot(),
      tokens: this.tokens.exportState(),
      caCertPem: this.caPem,
    };
  }

  /** Replaces the state; open watches end (their clients re-list, as after a restart). */
  importState(state: KubernetesEmulatorState): void {
    if (state.version !== 1) {
      throw new Error(
        `Unsupported Kubernetes emulator state version ${state.version}`,
      );
    }
    this.faults.dropAllWatches();
    this.store.restore(state.store, STORED_RESOURCE_TYPES);
    this.tokens.importState(state.tokens);
    this.ensureBootstrapPolicy();
    for (const reviewer of state.tokenReviewers ?? []) {
      const [namespace, name] = reviewer.split('/');
      this.grantTokenReview(namespace, name);
    }
    this.caPem = state.caCertPem ?? this.caPem;
    this.workloads.resyncAll();
  }

  /**
   * Resolves once the Deployment and ReplicaSet controllers have acted on every change so far
   * (for tests: a rollout started by a write is then complete).
   */
  async workloadsIdle(): Promise<void> {
    await this.workloads.idle();
  }

  /** Closes all watches and timers, and stops the controllers. */
  close(): void {
    this.faults.dropAllWatches();
    this.stopBookmarkTimer();
    this.workloads.stop();
  }

  async handle(request: KubernetesRequest): Promise<KubernetesResponse> {
    const query =
      request.query instanceof URLSearchParams
        ? request.query
        : new URLSearchParams(request.query ?? {});
    const headers = request.headers ?? {};
    const method = request.method.toUpperCase();
    const entry: RecordedRequest = {
      time: this.now().toISOString(),
      method,
      path: request.path,
      query: Object.fromEntries(query),
      verb: 'unknown',
      asMetadata: false,
      secretDataRead: false,
      status: 0,
    };
    if (this.down) {
      entry.verb = 'unavailable';
      this.requestLog.record(entry);
      return { status: 0, headers: {}, networkError: true };
    }
    let response: KubernetesResponse;
    try {
      response = await this.route(method, request, query, headers, entry);
    } catch (error) {
      if (error instanceof KubernetesApiError) {
        response = json(error.code, error.toStatus());
      } else {
        response = json(
          500,
          new KubernetesApiError(
            500,
            'InternalError',
            `Internal error occurred: ${(error as Error).message}`,
          ).toStatus(),
        );
      }
    }
    const warnings = this.warnings.get(entry);
    if (warnings?.length) {
      response.headers = {
        ...response.headers,
        warning: warnings.map(w => `299 - ${JSON.stringify(w)}`).join(', '),
      };
    }
    entry.status = response.status;
    this.requestLog.record(entry);
    return response;
  }

  private async route(
    method: string,
    request: KubernetesRequest,
    query: URLSearchParams,
    headers: Record<string, string | undefined>,
    entry: RecordedRequest,
  ): Promise<KubernetesResponse> {
    const user = await this.authenticateRequest(
      headers.authorization,
      request.path,
    );
    entry.user = user.username;
    const attributes = requestAttributes(user, method, request.path, query);
    entry.verb = attributes.verb;
    this.assertAllowed(attributes);
    const health = healthResponse(request.path, query);
    if (health) {
      return plainText(health.status, health.body);
    }
    const path = parseApiPath(request.path);
    if (path.kind === 'discovery' && path.document === 'version') {
      entry.verb = 'discovery';
      return json(200, { ...SERVER_VERSION, platform: 'linux/amd64' });
    }
    if (/^\/openapi\/v3(\/|$)/.test(request.path)) {
      return this.openApiDocument(request.path);
    }
    if (path.kind === 'unknown') {
      throw new KubernetesApiError(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
    if (path.kind === 'discovery') {
      entry.verb = 'discovery';
      return this.discovery(path.document, path.group, path.version);
    }
    const { type, namespace, name, subresource } = path;
    Object.assign(entry, {
      group: type.group,
      resource: type.plural,
      namespace,
      name,
      subresource,
    });
    if (type.virtual) {
      if (method !== 'POST' || name) {
        throw new KubernetesApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      }
      entry.verb = 'create';
      return this.review(type, request, user);
    }
    const accept = parseAccept(headers.accept);
    const dryRun = query.get('dryRun') === 'All';
    const admission = this.escalationCheck(user, type);
    const isWatch = query.get('watch') === 'true' || query.get('watch') === '1';

    if (method === 'GET') {
      if (name) {
        entry.verb = 'get';
      } else {
        entry.verb = isWatch ? 'watch' : 'list';
      }
      entry.asMetadata =
        entry.verb === 'list' ? accept.metadataList : accept.metadataObject;
      const table: IncludeObject | undefined =
        accept.table && !entry.asMetadata
          ? this.includeObject(query)
          : undefined;
      const readsData = table ? table === 'Object' : !entry.asMetadata;
      if (type.kind === 'Secret' && !type.group && readsData) {
        entry.secretDataRead = true;
        if (this.requestLog.forbidSecretDataReads) {
          throw new KubernetesApiError(
            403,
            'Forbidden',
            `sandbox: reading Secret data is forbidden in this test (${method} ${request.path}); request Secrets as PartialObjectMetadata`,
          );
        }
      }
      if (name && subresource === undefined) {
        const object = this.objects.get(type, namespace, name);
        if (table) {
          return json(
            200,
            toTable(type, [object], {
              now: this.now(),
              includeObject: table,
              resourceVersion: object.metadata.resourceVersion,
            }),
            TABLE_CONTENT_TYPE,
          );
        }
        return entry.asMetadata
          ? json(200, toMetadataObject(object), this.metadataContentType(false))
          : json(200, object);
      }
      if (name) {
        if (subresource === 'status' && type.hasStatusSubresource) {
          return json(200, this.objects.get(type, namespace, name));
        }
        throw notFound(type.plural, type.group, `${name}/${subresource}`);
      }
      const labels = LabelSelector.parse(
        query.get('labelSelector') ?? undefined,
      );
      const fields = FieldSelector.parse(
        query.get('fieldSelector') ?? undefined,
        type,
      );
      if (isWatch) {
        return this.watch(
          type,
          namespace,
          labels,
          fields,
          query,
          entry.asMetadata,
          table,
        );
      }
      return this.list(
        type,
        namespace,
        labels,
        fields,
        query,
        entry.asMetadata,
        table,
      );
    }

    const isApply =
      method === 'PATCH' &&
      (headers['content-type'] ?? '').split(';')[0].trim() ===
        'application/apply-patch+yaml';
    if (isApply && name) {
      entry.verb = 'patch';
      return this.serverSideApply(
        entry,
        { type, namespace, name, subresource },
        request.body ?? '',
        query,
        admission,
      );
    }
    // The patch type decides whether the body can be read at all (apply patches are YAML).
    const patchType =
      method === 'PATCH' ? this.patchType(headers['content-type']) : undefined;
    const body = request.body ? this.parseBody(request.body) : undefined;
    if (body !== undefined && subresource !== 'token' && patchType !== 'json') {
      this.warnings.set(
        entry,
        validateFields(
          type,
          body,
          this.openApi.schemaOf(type),
          parseFieldValidation(query.get('fieldValidation')),
        ),
      );
    }
    if (method === 'POST' && !name) {
      entry.verb = 'create';
      return json(
        201,
        await this.objects.create(type, namespace, body as KubeObject, {
          dryRun,
          admission,
        }),
      );
    }
    if (method === 'POST' && name && subresource === 'token') {
      entry.verb = 'create';
      return this.tokenRequest(type, namespace, name, body as KubeObject);
    }
    if (method === 'PUT' && name) {
      entry.verb = 'update';
      return json(
        200,
        await this.objects.update(type, namespace, name, body as KubeObject, {
          dryRun,
          subresource,
          admission,
        }),
      );
    }
    if (method === 'PATCH' && name) {
      entry.verb = 'patch';
      return json(
        200,
        await this.objects.patch(type, namespace, name, patchType!, body, {
          dryRun,
          subresource,
          admission,
        }),
      );
    }
    if (method === 'DELETE' && name) {
      entry.verb = 'delete';
      const deleted = this.objects.delete(type, namespace, name, { dryRun });
      return json(200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name,
          group: type.group || undefined,
          kind: type.plural,
          uid: deleted.metadata.uid,
        },
      });
    }
    if (method === 'DELETE') {
      entry.verb = 'deletecollection';
      const labels = LabelSelector.parse(
        query.get('labelSelector') ?? undefined,
      );
      const fields = FieldSelector.parse(
        query.get('fieldSelector') ?? undefined,
        type,
      );
      const items = this.objects
        .list(type, namespace)
        .filter(o => labels.matches(o.metadata.labels) && fields.matches(o));
      for (const item of items) {
        this.objects.delete(
          type,
          item.metadata.namespace,
          item.metadata.name!,
          { dryRun },
        );
      }
      return json(200, this.listBody(type, items, false));
    }
    throw new KubernetesApiError(
      405,
      'MethodNotAllowed',
      `the server does not allow this method on the requested resource`,
    );
  }

  private async serverSideApply(
    entry: RecordedRequest,
    target: {
      type: ResourceType;
      namespace: string | undefined;
      name: string;
      subresource: string | undefined;
    },
    text: string,
    query: URLSearchParams,
    admission?: (object: KubeObject) => void,
  ): Promise<KubernetesResponse> {
    const { type, namespace, name, subresource } = target;
    let applied: unknown;
    try {
      applied = parseYaml(text);
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    const manager = query.get('fieldManager');
    checkApply(type, name, applied, manager);
    if (type.hasStatusSubresource && subresource !== 'status') {
      // the main resource ignores status; nobody owns it through this request
      delete applied.status;
    }
    this.warnings.set(
      entry,
      validateFields(
        type,
        applied,
        this.openApi.schemaOf(type),
        parseFieldValidation(query.get('fieldValidation')),
      ),
    );
    const options = {
      manager,
      force: query.get('force') === 'true',
      now: this.now(),
    };
    const dryRun = query.get('dryRun') === 'All';
    const live = this.store.get(
      type,
      type.namespaced ? namespace : undefined,
      name,
    );
    if (!live) {
      if (subresource) {
        throw notFound(type.plural, type.group, name);
      }
      return json(
        201,
        await this.objects.create(
          type,
          namespace,
          appliedForCreate(type, name, applied, options),
          { dryRun, admission },
        ),
      );
    }
    const current = this.objects.get(type, namespace, name);
    const next = applyOver(type, current, applied, options);
    if (!applied.metadata?.resourceVersion) {
      next.metadata.resourceVersion = current.metadata.resourceVersion;
    }
    return json(
      200,
      await this.objects.update(type, namespace, name, next, {
        dryRun,
        subresource,
        admission,
      }),
    );
  }

  private openApiDocument(requestPath: string): KubernetesResponse {
    const key = requestPath.replace(/^\/openapi\/v3\/?/, '');
    if (!key) {
      return json(200, this.openApi.discovery());
    }
    const found = this.openApi.document(key);
    if (!found) {
      throw new KubernetesApiError(
        404,
        'NotFound',
        'the server could not find the requested resource',
      );
    }
    return {
      status: 200,
      headers: {
        'content-type': 'application/json',
        etag: `"${found.hash}"`,
        // the URL carries the hash: a changed document has a new URL
        'cache-control': 'public, immutable',
      },
      body: found.document,
    };
  }

  private includeObject(query: URLSearchParams): IncludeObject {
    try {
      return parseIncludeObject(query.get('includeObject'));
    } catch (error) {
      throw badRequest((error as Error).message);
    }
  }

  /**
   * A bearer token must authenticate (anything else presented is `401`); without credentials
   * only the public health and version paths are served, as `system:anonymous` (anonymous
   * authentication limited to those paths, as recent clusters configure it).
   */
  private async authenticateRequest(
    authorization: string | undefined,
    path: string,
  ): Promise<UserInfo> {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    if (match) {
      const user = await this.authenticateToken(match[1].trim());
      if (user) {
        return user;
      }
    } else if (!authorization && PUBLIC_INFO_PATHS.includes(path)) {
      return { username: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };
    }
    throw new KubernetesApiError(401, 'Unauthorized', 'Unauthorized');
  }

  /**
   * A create-only review API: TokenReview, and the self-subject reviews answered by the same
   * authorizer that guards every request.
   */
  private async review(
    type: ResourceType,
    request: KubernetesRequest,
    user: UserInfo,
  ): Promise<KubernetesResponse> {
    const body = this.reviewBody(type, request);
    if (
      type.plural === 'selfsubjectaccessreviews' ||
      type.plural === 'subjectaccessreviews'
    ) {
      const kind =
        type.plural === 'subjectaccessreviews'
          ? 'SubjectAccessReview'
          : 'SelfSubjectAccessReview';
      const attributes = accessReviewAttributes(user, body, kind);
      return json(
        201,
        accessReviewResponse(body, this.authorize(attributes), kind),
      );
    }
    if (type.plural === 'selfsubjectrulesreviews') {
      const namespace = rulesReviewNamespace(body);
      return json(
        201,
        rulesReviewResponse(body, this.authorizer.rulesFor(user, namespace)),
      );
    }
    const spec = (body.spec ?? {}) as { token?: string; audiences?: string[] };
    if (type.plural !== 'tokenreviews') {
      throw notFound(type.plural, type.group, '');
    }
    if (!spec.token) {
      throw invalid(type.kind, type.group, '', [
        {
          reason: 'FieldValueRequired',
          field: 'spec.token',
          message: 'Required value',
        },
      ]);
    }
    const result = await this.reviewToken(spec.token, spec.audiences);
    return json(201, {
      kind: 'TokenReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: {
        ...(result.authenticated ? { authenticated: true } : {}),
        user: result.user
          ? {
              username: result.user.username,
              ...(result.user.uid ? { uid: result.user.uid } : {}),
              groups: result.user.groups,
            }
          : {},
        ...(result.audiences ? { audiences: result.audiences } : {}),
        ...(result.error ? { error: result.error } : {}),
      },
    });
  }

  private discovery(document: string, group: string, version: string) {
    const groups = apiGroups();
    switch (document) {
      case 'api':
        return json(200, {
          kind: 'APIVersions',
          versions: ['v1'],
          serverAddressByClientCIDRs: [
            { clientCIDR: '0.0.0.0/0', serverAddress: new URL(this.url).host },
          ],
        });
      case 'apis':
        return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
      case 'group': {
        const found = groups.find(g => g.name === group);
        if (!found) {
          throw new KubernetesApiError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        }
        return json(200, { kind: 'APIGroup', apiVersion: 'v1', ...found });
      }
      default: {
        const list = apiResourceList(group, version);
        if (list.resources.length === 0) {
          throw new KubernetesApiError(
            404,
            'NotFound',
            'the server could not find the requested resource',
          );
        }
        return json(200, list);
      }
    }
  }

  private metadataContentType(list: boolean) {
    return `application/json;as=PartialObjectMetadata${
      list ? 'List' : ''
    };g=${METADATA_GROUP};v=v1`;
  }

  /** Items of built-in lists carry no kind/apiVersion on the real API server; CRD items do. */
  private listItem(type: ResourceType, object: KubeObject) {
    if (type.group) {
      return object;
    }
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
    return rest;
  }

  private listBody(
    type: ResourceType,
    items: KubeObject[],
    asMetadata: boolean,
    continueToken?: string,
  ) {
    const metadata = {
      resourceVersion: String(this.store.currentRevision),
      ...(continueToken ? { continue: continueToken } : {}),
    };
    if (asMetadata) {
      return {
        kind: 'PartialObjectMetadataList',
        apiVersion: `${METADATA_GROUP}/v1`,
        metadata,
        items: items.map(toMetadataObject),
      };
    }
    return {
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata,
      items: items.map(o => this.listItem(type, o)),
    };
  }

  private list(
    type: ResourceType,
    namespace: string | undefined,
    labels: LabelSelector,
    fields: FieldSelector,
    query: URLSearchParams,
    asMetadata: boolean,
    table?: IncludeObject,
  ): KubernetesResponse {
    let offset = 0;
    const continueParam = query.get('continue');
    if (continueParam) {
      let token: { rv: number; offset: number };
      try {
        token = JSON.parse(Buffer.from(continueParam, 'base64url').toString());
      } catch {
        throw badRequest('continue key is not valid');
      }
      // Paging reads a consistent snapshot; once compacted it cannot be continued.
      this.assertNotCompacted(type, token.rv);
      offset = token.offset;
    }
    const all = this.objects
      .list(type, namespace)
      .filter(o => labels.matches(o.metadata.labels) && fields.matches(o));
    const limit = Number(query.get('limit') ?? 0);
    const page =
      limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const more = limit > 0 && offset + limit < all.length;
    const continueToken = more
      ? Buffer.from(
          JSON.stringify({
            rv: this.store.currentRevision,
            offset: offset + limit,
          }),
        ).toString('base64url')
      : undefined;
    if (table) {
      return json(
        200,
        toTable(type, page, {
          now: this.now(),
          includeObject: table,
          resourceVersion: String(this.store.currentRevision),
          continueToken,
        }),
        TABLE_CONTENT_TYPE,
      );
    }
    return json(
      200,
      this.listBody(type, page, asMetadata, continueToken),
      asMetadata ? this.metadataContentType(true) : 'application/json',
    );
  }

  private assertNotCompacted(type: ResourceType, revision: number) {
    try {
      this.store.changesSince(revision, type);
    } catch (error) {
      if (error instanceof KubernetesApiError) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.',
        );
      }
      throw error;
    }
  }

  private watch(
    type: ResourceType,
    namespace: string | undefined,
    labels: LabelSelector,
    fields: FieldSelector,
    query: URLSearchParams,
    asMetadata: boolean,
    table?: IncludeObject,
  ): KubernetesResponse {
    const stream = new WatchStream();
    let contentType = 'application/json';
    if (asMetadata) {
      contentType = this.metadataContentType(false);
    } else if (table) {
      contentType = TABLE_CONTENT_TYPE;
    }
    const headers = { 'content-type': contentType };
    // the column definitions travel with the first event only, as on the API server
    let headersSent = false;
    const inScope = (o: KubeObject | undefined) =>
      !!o &&
      (!namespace || o.metadata.namespace === namespace) &&
      labels.matches(o.metadata.labels) &&
      fields.matches(o);
    const encode = (o: KubeObject): unknown => {
      if (table) {
        const encoded = toTable(type, [o], {
          now: this.now(),
          includeObject: table,
          noHeaders: headersSent,
          resourceVersion: o.metadata.resourceVersion,
        });
        headersSent = true;
        return encoded;
      }
      return asMetadata
        ? toMetadataObject(o)
        : { apiVersion: apiVersionOf(type), kind: type.kind, ...o };
    };
    const sendChange = (change: StoredChange) => {
      if (change.resourceType !== type) {
        return;
      }
      const now = inScope(change.object);
      const before = inScope(change.previous);
      // Objects entering or leaving a selector appear as ADDED / DELETED, like the watch cache.
      if (change.type === 'DELETED') {
        if (before || now)
          stream.send({ type: 'DELETED', object: encode(change.object) });
      } else if (now && before) {
        stream.send({ type: 'MODIFIED', object: encode(change.object) });
      } else if (now) {
        stream.send({ type: 'ADDED', object: encode(change.object) });
      } else if (before) {
        stream.send({ type: 'DELETED', object: encode(change.object) });
      }
    };

    const resourceVersion = query.get('resourceVersion') ?? '';
    const sendInitialEvents = query.get('sendInitialEvents') === 'true';
    const bookmarks = query.get('allowWatchBookmarks') === 'true';
    if (
      resourceVersion === '' ||
      resourceVersion === '0' ||
      sendInitialEvents
    ) {
      for (const object of this.objects.list(type, namespace)) {
        if (inScope(object)) {
          stream.send({ type: 'ADDED', object: encode(object) });
        }
      }
      if (sendInitialEvents && bookmarks) {
        const bookmark = this.bookmarkEvent(type);
        (bookmark.object.metadata as Record<string, unknown>).annotations = {
          'k8s.io/initial-events-end': 'true',
        };
        stream.send(bookmark);
      }
    } else {
      const from = Number(resourceVersion);
      if (!Number.isInteger(from)) {
        throw badRequest(`invalid resource version: ${resourceVersion}`);
      }
      try {
        for (const change of this.store.changesSince(from, type)) {
          sendChange(change);
        }
      } catch (error) {
        if (!(error instanceof KubernetesApiError)) {
          throw error;
        }
        // The real API server answers a too-old watch with 200 and one ERROR event.
        stream.send({ type: 'ERROR', object: error.toStatus() });
        stream.close();
        return { status: 200, headers, stream: stream.body };
      }
    }

    const registration: WatchRegistration = {
      stream,
      resourceType: type,
      bookmarks,
      asMetadata,
    };
    this.watches.add(registration);
    const unsubscribe = this.store.subscribe(sendChange);
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
    const timeout =
      timeoutSeconds > 0
        ? setTimeout(() => stream.close(), timeoutSeconds * 1000)
        : undefined;
    timeout?.unref?.();
    stream.onClose(() => {
      unsubscribe();
      clearTimeout(timeout);
      this.watches.delete(registration);
      this.updateBookmarkTimer();
    });
    this.updateBookmarkTimer();
    return { status: 200, headers, stream: stream.body };
  }

  private bookmarkEvent(type: ResourceType) {
    return {
      type: 'BOOKMARK' as const,
      object: {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: {
          resourceVersion: String(this.store.currentRevision),
        } as Record<string, unknown>,
      },
    };
  }

  private updateBookmarkTimer() {
    const wanted = [...this.watches].some(w => w.bookmarks);
    if (wanted && !this.bookmarkTimer) {
      this.bookmarkTimer = setInterval(
        () => this.sendBookmarks(),
        this.bookmarkIntervalMs,
      );
      this.bookmarkTimer.unref?.();
    } else if (!wanted) {
      this.stopBookmarkTimer();
    }
  }

  private stopBookmarkTimer() {
    if (this.bookmarkTimer) {
      clearInterval(this.bookmarkTimer);
      this.bookmarkTimer = undefined;
    }
  }

  private async tokenRequest(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject | undefined,
  ): Promise<KubernetesResponse> {
    if (type.plural !== 'serviceaccounts' || !namespace) {
      throw notFound(type.plural, type.group, `${name}/token`);
    }
    const spec = (body?.spec ?? {}) as TokenRequestSpec;
    return json(201, await this.requestToken(namespace, name, spec));
  }

  /** A review's body: JSON, or the protobuf kubectl's typed clients send. */
  private reviewBody(
    type: ResourceType,
    request: KubernetesRequest,
  ): KubeObject {
    const headers = request.headers ?? {};
    if (isProtobuf(headers['content-type'])) {
      const decoded = decodeProtobufReview(
        request.bodyBytes ?? Buffer.from(request.body ?? '', 'utf8'),
        type.kind,
      );
      if (typeof decoded === 'string') {
        throw badRequest(decoded);
      }
      return decoded as KubeObject;
    }
    return (request.body ? this.parseBody(request.body) : {}) as KubeObject;
  }

  private parseBody(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw badRequest(
        'the body of the request was in an unknown format - accepted media types include: application/json',
      );
    }
  }

  private patchType(contentType: string | undefined): PatchType {
    const mediaType = (contentType ?? '').split(';')[0].trim();
    switch (mediaType) {
      case 'application/json-patch+json':
        return 'json';
      case 'application/merge-patch+json':
        return 'merge';
      case 'application/strategic-merge-patch+json':
        return 'strategic';
      default:
        throw new KubernetesApiError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${
            mediaType || 'none'
          })`,
        );
    }
  }
}
