import { ageOf } from './humanDuration';
import { evaluateJsonPath, goPrint, parseJsonPath } from './jsonPath';
import { KubeObject } from './kubeObject';
import { ResourceType, apiVersionOf } from './resourceTypes';
import { selectorString } from './workloads';
import { ARGO_APPLICATION_PRINTER_COLUMNS } from './argoApplication';

/**
 * Server-side printing: the `meta.k8s.io/v1` `Table` the API server answers when a client such
 * as `kubectl get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io`. Built-in kinds get
 * the columns of Kubernetes' own printers (`pkg/printers/internalversion/printers.go`); ESO's
 * kinds get the `additionalPrinterColumns` of their CRDs.
 */

/** @public */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** What a row carries besides its cells (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A CRD's `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/**
 * The printer columns of ESO's `external-secrets.io/v1` CRDs, as in ESO's
 * `config/crds/bases/external-secrets.io_*.yaml` (v2.9.0; no installed npm package ships the
 * CRD files, so they are restated here and a test compares them with the CRDs where
 * `../shared/fixtures/eso/crds` is present).
 */
export const ESO_PRINTER_COLUMNS: Record<string, PrinterColumn[]> = {
  ExternalSecret: [
    {
      name: 'StoreType',
      type: 'string',
      jsonPath: '.spec.secretStoreRef.kind',
    },
    { name: 'Store', type: 'string', jsonPath: '.spec.secretStoreRef.name' },
    {
      name: 'Refresh Interval',
      type: 'string',
      jsonPath: '.spec.refreshInterval',
    },
    {
      name: 'Status',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    },
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    },
    { name: 'Last Sync', type: 'date', jsonPath: '.status.refreshTime' },
  ],
  SecretStore: storeColumns(),
  ClusterSecretStore: storeColumns(),
};

function storeColumns(): PrinterColumn[] {
  return [
    { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    {
      name: 'Status',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
    },
    { name: 'Capabilities', type: 'string', jsonPath: '.status.capabilities' },
    {
      name: 'Ready',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    },
  ];
}

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. It is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.';
const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created.';

function column(
  name: string,
  description: string,
  options: Partial<TableColumnDefinition> = {},
): TableColumnDefinition {
  return {
    name,
    type: 'string',
    format: '',
    description,
    priority: 0,
    ...options,
  };
}

const NAME = column('Name', NAME_DESCRIPTION, { format: 'name' });
const AGE = column('Age', AGE_DESCRIPTION);

type Cells = (object: KubeObject, now: Date) => unknown[];

interface Printer {
  columns: TableColumnDefinition[];
  cells: Cells;
  /** The order the printer lists rows in, when it sorts (Events: oldest first). */
  sort?: (a: KubeObject, b: KubeObject) => number;
}

const any = (o: KubeObject) => o as Record<string, any>;
const age = (o: KubeObject, now: Date) =>
  ageOf(o.metadata.creationTimestamp, now);
const count = (value: unknown) =>
  value && typeof value === 'object' ? Object.keys(value).length : 0;

function eventTimes(o: KubeObject, now: Date) {
  const e = any(o);
  let first = ageOf(e.firstTimestamp, now);
  if (!e.firstTimestamp) {
    first = ageOf(e.eventTime, now);
  }
  let last = e.lastTimestamp ? ageOf(e.lastTimestamp, now) : first;
  let times = e.count ?? 0;
  if (e.series) {
    last = ageOf(e.series.lastObservedTime, now);
    times = e.series.count ?? 0;
  } else if (!times) {
    // singleton events of the events.k8s.io API carry no count
    times = 1;
  }
  return { first, last, count: times };
}

function eventSource(o: KubeObject): string {
  const e = any(o);
  const component = e.source?.component || e.reportingComponent || '';
  const host = e.source?.host || e.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

function eventTime(o: KubeObject): number {
  const e = any(o);
  return Date.parse(
    e.series?.lastObservedTime ??
      e.lastTimestamp ??
      e.eventTime ??
      e.firstTimestamp ??
      '',
  );
}

function subjectStrings(o: KubeObject) {
  const users: string[] = [];
  const groups: string[] = [];
  const accounts: string[] = [];
  for (const subject of (any(o).subjects ?? []) as Array<Record<string, any>>) {
    if (subject.kind === 'User') users.push(subject.name);
    if (subject.kind === 'Group') groups.push(subject.name);
    if (subject.kind === 'ServiceAccount') {
      accounts.push(`${subject.namespace ?? ''}/${subject.name}`);
    }
  }
  return [users, groups, accounts].map(list => list.join(', '));
}

const bindingPrinter: Printer = {
  columns: [
    NAME,
    column('Role', 'RoleRef can only reference a Role or ClusterRole.'),
    AGE,
    column('Users', 'Users in the binding', { priority: 1 }),
    column('Groups', 'Groups in the binding', { priority: 1 }),
    column('ServiceAccounts', 'ServiceAccounts in the binding', {
      priority: 1,
    }),
  ],
  cells: (o, now) => [
    o.metadata.name,
    `${any(o).roleRef?.kind}/${any(o).roleRef?.name}`,
    age(o, now),
    ...subjectStrings(o),
  ],
};

const rolePrinter: Printer = {
  columns: [NAME, column('Created At', AGE_DESCRIPTION, { type: 'date' })],
  cells: o => [o.metadata.name, o.metadata.creationTimestamp],
};

const SELECTOR_DESCRIPTION =
  "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.";

function templateCells(o: KubeObject) {
  const containers = (any(o).spec?.template?.spec?.containers ?? []) as Array<
    Record<string, any>
  >;
  return [
    containers.map(c => c.name).join(','),
    containers.map(c => c.image).join(','),
    selectorString(any(o).spec?.selector),
  ];
}

const templateColumns = [
  column('Containers', 'Names of each container in the template.', {
    priority: 1,
  }),
  column('Images', 'Images referenced by each container in the template.', {
    priority: 1,
  }),
  column('Selector', SELECTOR_DESCRIPTION, { priority: 1 }),
];

function podCells(o: KubeObject, now: Date) {
  const status = any(o).status ?? {};
  const containers = (any(o).spec?.containers ?? []) as unknown[];
  const statuses = (status.containerStatuses ?? []) as Array<
    Record<string, any>
  >;
  const ready = statuses.filter(c => c.ready).length;
  const restarts = statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const reason = o.metadata.deletionTimestamp
    ? 'Terminating'
    : status.reason ?? status.phase ?? '';
  return [
    o.metadata.name,
    `${ready}/${containers.length}`,
    reason,
    String(restarts),
    age(o, now),
    status.podIP ?? '<none>',
    any(o).spec?.nodeName ?? '<none>',
    status.nominatedNodeName ?? '<none>',
    '<none>',
  ];
}

/** Printers of built-in kinds, keyed `<group>/<Kind>`. */
const BUILT_IN_PRINTERS: Record<string, Printer> = {
  '/Namespace': {
    columns: [NAME, column('Status', 'The status of the namespace'), AGE],
    cells: (o, now) => [
      o.metadata.name,
      any(o).status?.phase ?? '',
      age(o, now),
    ],
  },
  '/Secret': {
    columns: [
      NAME,
      column(
        'Type',
        'Used to facilitate programmatic handling of secret data.',
      ),
      column('Data', 'The number of keys the Secret holds.'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      any(o).type ?? '',
      count(any(o).data),
      age(o, now),
    ],
  },
  '/ConfigMap': {
    columns: [
      NAME,
      column('Data', 'The number of keys the ConfigMap holds.'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      count(any(o).data) + count(any(o).binaryData),
      age(o, now),
    ],
  },
  '/ServiceAccount': {
    columns: [
      NAME,
      column('Secrets', 'The number of Secrets the service account lists.'),
      AGE,
    ],
    cells: (o, now) => [
      o.metadata.name,
      (any(o).secrets ?? []).length,
      age(o, now),
    ],
  },
  '/Event': {
    columns: [
      column(
        'Last Seen',
        'The time at which the most recent occurrence of this event was recorded.',
      ),
      column('Type', 'Type of this event (Normal, Warning).'),
      column(
        'Reason',
        "The reason for the transition into the object's current status.",
      ),
      column('Object', 'The object that this event is about.'),
      column('Subobject', 'The field of the object this event is about.', {
        priority: 1,
      }),
      column('Source', 'The component reporting this event.', { priority: 1 }),
      column(
        'Message',
        'A human-readable description of the status of this operation.',
      ),
      column('First Seen', 'The time at which the event was first recorded.', {
        priority: 1,
      }),
      column('Count', 'The number of times this event has occurred.', {
        priority: 1,
      }),
      column('Name', NAME_DESCRIPTION, { priority: 1, format: 'name' }),
    ],
    cells: (o, now) => {
      const e = any(o);
      const times = eventTimes(o, now);
      const involved = e.involvedObject ?? {};
      const kind = String(involved.kind ?? '').toLowerCase();
      return [
        times.last,
        e.type ?? '',
        e.reason ?? '',
        involved.name ? `${kind}/${involved.name}` : kind,
        involved.fieldPath ?? '',
        eventSource(o),
        String(e.message ?? '').trim(),
        times.first,
        times.count,
        o.metadata.name,
      ];
    },
    sort: (a, b) => (eventTime(a) || 0) - (eventTime(b) || 0),
  },
  '/Pod': {
    columns: [
      NAME,
      column(
        'Ready',
        'The aggregate readiness state of this pod for accepting traffic.',
      ),
      column('Status', 'The aggregate status of the containers in this pod.'),
      column(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE,
      column(
        'IP',
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        {
          priority: 1,
        },
      ),
      column(
        'Node',
        'NodeName is a request to schedule this pod onto a specific node.',
        {
          priority: 1,
        },
      ),
      column(
        'Nominated Node',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        {
          priority: 1,
        },
      ),
      column(
        'Readiness Gates',
        'If specified, all readiness gates will be evaluated for pod readiness.',
        {
          priority: 1,
        },
      ),
    ],
    cells: podCells,
  },
  'apps/Deployment': {
    columns: [
      NAME,
      column('Ready', 'Number of the pod with ready state'),
      column(
        'Up-to-date',
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
      ),
      column(
        'Available',
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
      ),
      AGE,
      ...templateColumns,
    ],
    cells: (o, now) => [
      o.metadata.name,
      `${any(o).status?.readyReplicas ?? 0}/${any(o).spec?.replicas ?? 0}`,
      any(o).status?.updatedReplicas ?? 0,
      any(o).status?.availableReplicas ?? 0,
      age(o, now),
      ...templateCells(o),
    ],
  },
  'apps/ReplicaSet': {
    columns: [
      NAME,
      column(
        'Desired',
        'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified.',
      ),
      column(
        'Current',
        'Replicas is the most recently observed number of replicas.',
      ),
      column('Ready', 'The number of ready replicas for this replica set.'),
      AGE,
      ...templateColumns,
    ],
    cells: (o, now) => [
      o.metadata.name,
      any(o).spec?.replicas ?? 0,
      any(o).status?.replicas ?? 0,
      any(o).status?.readyReplicas ?? 0,
      age(o, now),
      ...templateCells(o),
    ],
  },
  'rbac.authorization.k8s.io/Role': rolePrinter,
  'rbac.authorization.k8s.io/ClusterRole': rolePrinter,
  'rbac.authorization.k8s.io/RoleBinding': bindingPrinter,
  'rbac.authorization.k8s.io/ClusterRoleBinding': bindingPrinter,
};

/** What the API server prints for a kind it has no printer for. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME, column('Created At', AGE_DESCRIPTION, { type: 'date' })],
  cells: o => [o.metadata.name, o.metadata.creationTimestamp],
};

function crdCell(value: unknown, type: PrinterColumn['type'], now: Date) {
  if (value === undefined) {
    return null;
  }
  switch (type) {
    case 'date':
      return typeof value === 'string' ? ageOf(value, now) : null;
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return goPrint(value);
  }
}

/** The printer of a CRD with `additionalPrinterColumns` (without them: Name and Age). */
export function crdPrinter(columns: PrinterColumn[]): Printer {
  const compiled = columns.map(c => ({
    ...c,
    steps: parseJsonPath(c.jsonPath),
  }));
  if (compiled.length === 0) {
    return {
      columns: [NAME, AGE],
      cells: (o, now) => [o.metadata.name, age(o, now)],
    };
  }
  return {
    columns: [
      NAME,
      ...compiled.map(c =>
        column(c.name, c.description ?? '', {
          type: c.type,
          format: c.format ?? '',
          priority: c.priority ?? 0,
        }),
      ),
    ],
    cells: (o, now) => [
      o.metadata.name,
      // like the API server, a column shows the first value its path selects
      ...compiled.map(c =>
        crdCell(evaluateJsonPath(c.steps, o)[0], c.type, now),
      ),
    ],
  };
}

const crdPrinters = new Map<string, Printer>();

function printerFor(type: ResourceType): Printer {
  const key = `${type.group}/${type.kind}`;
  const builtIn = BUILT_IN_PRINTERS[key];
  if (builtIn) {
    return builtIn;
  }
  let columns: PrinterColumn[] | undefined;
  if (type.group === 'external-secrets.io') {
    columns = ESO_PRINTER_COLUMNS[type.kind];
  } else if (type.group === 'argoproj.io' && type.kind === 'Application') {
    columns = ARGO_APPLICATION_PRINTER_COLUMNS;
  }
  if (!columns) {
    return DEFAULT_PRINTER;
  }
  let printer = crdPrinters.get(key);
  if (!printer) {
    printer = crdPrinter(columns);
    crdPrinters.set(key, printer);
  }
  return printer;
}

/** Reads `includeObject`; the API server rejects other values. */
export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === '') {
    return 'Metadata';
  }
  if (value === 'None' || value === 'Metadata' || value === 'Object') {
    return value;
  }
  throw new Error(
    `includeObject: Unsupported value: "${value}": supported values: "Metadata", "None", "Object"`,
  );
}

export interface TableOptions {
  now: Date;
  includeObject: IncludeObject;
  /** Watches send the column definitions with their first event only. */
  noHeaders?: boolean;
  resourceVersion?: string;
  continueToken?: string;
}

function rowObject(
  type: ResourceType,
  object: KubeObject,
  include: IncludeObject,
) {
  if (include === 'None') {
    return undefined;
  }
  if (include === 'Object') {
    return { apiVersion: apiVersionOf(type), kind: type.kind, ...object };
  }
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: object.metadata,
  };
}

/** The `Table` of `objects` of one kind. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  options: TableOptions,
) {
  const printer = printerFor(type);
  const ordered = printer.sort ? [...objects].sort(printer.sort) : objects;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      ...(options.resourceVersion
        ? { resourceVersion: options.resourceVersion }
        : {}),
      ...(options.continueToken ? { continue: options.continueToken } : {}),
    },
    columnDefinitions: options.noHeaders ? null : printer.columns,
    rows: ordered.map(object => {
      const embedded = rowObject(type, object, options.includeObject);
      return {
        cells: printer.cells(object, options.now),
        ...(embedded ? { object: embedded } : {}),
      };
    }),
  };
}
