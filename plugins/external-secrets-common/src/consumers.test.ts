import {
  assessConsumers,
  PodLike,
  PodSecretUsage,
  podSecretUsage,
} from './consumers';

const pod = (spec: PodLike['spec'], extra: Partial<PodLike> = {}): PodLike => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec,
  ...extra,
});

describe('podSecretUsage', () => {
  it.each<[string, PodLike['spec'], Array<[string, string, string?]>]>([
    [
      'env valueFrom.secretKeyRef',
      {
        containers: [
          {
            name: 'app',
            env: [
              { valueFrom: { secretKeyRef: { name: 's' } } },
              { valueFrom: {} },
              {},
            ],
          },
        ],
      },
      [['s', 'env', 'app']],
    ],
    [
      'envFrom.secretRef (a configMapRef is not a Secret)',
      {
        containers: [
          {
            name: 'app',
            envFrom: [
              { secretRef: { name: 's' } },
              { configMapRef: { name: 'c' } } as never,
            ],
          },
        ],
      },
      [['s', 'envFrom', 'app']],
    ],
    [
      'a secret volume mounted as a directory',
      {
        containers: [{ name: 'app', volumeMounts: [{ name: 'v' }] }],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
      [['s', 'volume', 'app']],
    ],
    [
      'a secret volume mounted with subPath',
      {
        containers: [
          { name: 'app', volumeMounts: [{ name: 'v', subPath: '.env' }] },
        ],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
      [['s', 'subPath', 'app']],
    ],
    [
      'subPathExpr counts as subPath',
      {
        containers: [
          { name: 'app', volumeMounts: [{ name: 'v', subPathExpr: '$(X)' }] },
        ],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
      [['s', 'subPath', 'app']],
    ],
    [
      'projected volume sources',
      {
        containers: [{ name: 'app', volumeMounts: [{ name: 'v' }] }],
        volumes: [
          {
            name: 'v',
            projected: {
              sources: [
                { secret: { name: 's' } },
                { configMap: { name: 'c' } } as never,
                { secret: { name: 't' } },
              ],
            },
          },
        ],
      },
      [
        ['s', 'projectedVolume', 'app'],
        ['t', 'projectedVolume', 'app'],
      ],
    ],
    [
      'a volume no container mounts',
      {
        containers: [{ name: 'app' }],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
      [['s', 'volume']],
    ],
    [
      'imagePullSecrets',
      {
        containers: [{ name: 'app' }],
        imagePullSecrets: [{ name: 'regcred' }],
      },
      [['regcred', 'imagePullSecret']],
    ],
    [
      'init containers read env too',
      {
        initContainers: [
          { name: 'migrate', envFrom: [{ secretRef: { name: 's' } }] },
        ],
        containers: [{ name: 'app' }],
      },
      [['s', 'envFrom', 'migrate']],
    ],
    [
      'one Secret used two ways by two containers',
      {
        containers: [
          { name: 'a', env: [{ valueFrom: { secretKeyRef: { name: 's' } } }] },
          { name: 'b', volumeMounts: [{ name: 'v' }] },
        ],
        volumes: [{ name: 'v', secret: { secretName: 's' } }],
      },
      [
        ['s', 'env', 'a'],
        ['s', 'volume', 'b'],
      ],
    ],
    [
      'malformed parts are skipped',
      {
        containers: [null as never, { name: 'app', env: 'x' as never }],
        volumes: [{ secret: { secretName: 's' } }, 7 as never],
      },
      [],
    ],
  ])('%s', (_name, spec, expected) => {
    const usage = podSecretUsage(pod(spec));
    expect(
      usage.references.map(r =>
        r.container ? [r.secret, r.use, r.container] : [r.secret, r.use],
      ),
    ).toEqual(expected);
  });

  it.each<[string, PodLike['metadata'], unknown]>([
    [
      'a Deployment through its ReplicaSet and pod-template-hash',
      {
        labels: { 'pod-template-hash': '5d8f9c7b6' },
        ownerReferences: [
          {
            kind: 'ReplicaSet',
            name: 'example-api-5d8f9c7b6',
            controller: true,
          },
        ],
      },
      { kind: 'Deployment', name: 'example-api' },
    ],
    [
      'a ReplicaSet of its own',
      {
        ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }],
      },
      { kind: 'ReplicaSet', name: 'rs' },
    ],
    [
      'a StatefulSet, the controller among several owners',
      {
        ownerReferences: [
          { kind: 'Other', name: 'x' },
          { kind: 'StatefulSet', name: 'db', controller: true },
        ],
      },
      { kind: 'StatefulSet', name: 'db' },
    ],
    ['a bare Pod', {}, undefined],
  ])('names the owner: %s', (_name, metadata, owner) => {
    expect(
      podSecretUsage({
        metadata: { name: 'p', namespace: 'ns', ...metadata },
        spec: {},
      }).owner,
    ).toEqual(owner);
  });

  it('keeps the start time, container names and nothing of the rest of the spec', () => {
    const usage = podSecretUsage({
      metadata: { name: 'p', namespace: 'ns' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'registry/app:1',
            command: ['--password=not-kept'],
          } as never,
        ],
      },
      status: { startTime: new Date('2026-12-01T14:00:00Z') },
    });
    expect(usage).toEqual({
      namespace: 'ns',
      name: 'p',
      owner: undefined,
      startTime: '2026-12-01T14:00:00.000Z',
      containers: ['app'],
      references: [],
    });
  });
});

describe('assessConsumers', () => {
  const at = (hhmm: string) => `2026-12-01T${hhmm}:00.000Z`;
  const usage = (
    name: string,
    uses: Array<
      | 'env'
      | 'envFrom'
      | 'volume'
      | 'projectedVolume'
      | 'subPath'
      | 'imagePullSecret'
    >,
    startTime: string | undefined,
    owner: PodSecretUsage['owner'] = { kind: 'Deployment', name: 'web' },
    secret = 's',
  ): PodSecretUsage => ({
    namespace: 'ns',
    name,
    owner,
    startTime,
    containers: ['app'],
    references: uses.map(use => ({ secret, use, container: 'app' })),
  });

  it.each<[string, PodSecretUsage, string | undefined, string, RegExp]>([
    [
      'env, started before the change',
      usage('p', ['env'], at('13:00')),
      at('14:00'),
      'RestartNeeded',
      /restart needed to pick up the new value/,
    ],
    [
      'envFrom, started before the change',
      usage('p', ['envFrom'], at('13:00')),
      at('14:00'),
      'RestartNeeded',
      /restart needed/,
    ],
    [
      'subPath, started before the change',
      usage('p', ['subPath'], at('13:00')),
      at('14:00'),
      'RestartNeeded',
      /restart needed/,
    ],
    [
      'env, started after the change',
      usage('p', ['env'], at('14:01')),
      at('14:00'),
      'Current',
      /started after the last change/,
    ],
    [
      'env, no change known',
      usage('p', ['env'], at('13:00')),
      undefined,
      'Current',
      /current/,
    ],
    [
      'env, start time unknown',
      usage('p', ['env'], undefined),
      at('14:00'),
      'Unknown',
      /start time is unknown/,
    ],
    [
      'volume, started before the change',
      usage('p', ['volume'], at('13:00')),
      at('14:00'),
      'UpdatesInPlace',
      /updates within about a minute \(kubelet sync\)/,
    ],
    [
      'projected volume',
      usage('p', ['projectedVolume'], at('13:00')),
      at('14:00'),
      'UpdatesInPlace',
      /kubelet sync/,
    ],
    [
      'env and volume together: env decides',
      usage('p', ['volume', 'env'], at('13:00')),
      at('14:00'),
      'RestartNeeded',
      /restart needed/,
    ],
    [
      'image pulls only',
      usage('p', ['imagePullSecret'], at('13:00')),
      at('14:00'),
      'NextImagePull',
      /next pull/,
    ],
  ])('%s', (_name, consumer, change, verdict, summary) => {
    const result = assessConsumers('ns', 's', [consumer], change);
    expect(result.workloads).toHaveLength(1);
    expect(result.workloads[0].verdict).toBe(verdict);
    expect(result.workloads[0].summary).toMatch(summary);
    expect(result.restartNeeded).toBe(verdict === 'RestartNeeded' ? 1 : 0);
  });

  it('groups Pods by workload, needs a restart when one Pod does, and counts workloads', () => {
    const result = assessConsumers(
      'ns',
      's',
      [
        usage('web-1', ['env'], at('14:05')),
        usage('web-2', ['env'], at('13:00')),
        usage('worker-1', ['envFrom'], at('12:00'), {
          kind: 'Deployment',
          name: 'worker',
        }),
        usage('files-1', ['volume'], at('12:00'), {
          kind: 'StatefulSet',
          name: 'files',
        }),
        usage(
          'other-1',
          ['env'],
          at('12:00'),
          { kind: 'Deployment', name: 'other' },
          'another-secret',
        ),
        { ...usage('elsewhere', ['env'], at('12:00')), namespace: 'other-ns' },
      ],
      at('14:00'),
    );
    expect(
      result.workloads.map(w => [
        w.kind,
        w.name,
        w.verdict,
        w.pods.map(p => p.name),
      ]),
    ).toEqual([
      ['Deployment', 'web', 'RestartNeeded', ['web-2', 'web-1']],
      ['Deployment', 'worker', 'RestartNeeded', ['worker-1']],
      ['StatefulSet', 'files', 'UpdatesInPlace', ['files-1']],
    ]);
    expect(result.workloads[0].summary).toMatch(/1 of 2 pods/);
    expect(result.restartNeeded).toBe(2);
    expect(result.summary).toBe('2 workloads need a restart');
  });

  it.each<[PodSecretUsage[], string]>([
    [[], 'no workload uses this Secret'],
    [
      [usage('p', ['env'], '2026-12-01T13:00:00Z')],
      '1 workload needs a restart',
    ],
    [
      [usage('p', ['volume'], '2026-12-01T13:00:00Z')],
      '1 workload, none needs a restart',
    ],
  ])('sums up %#', (pods, summary) => {
    expect(assessConsumers('ns', 's', pods, at('14:00')).summary).toBe(summary);
  });
});
