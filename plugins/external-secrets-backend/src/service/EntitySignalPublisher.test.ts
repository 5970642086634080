import { mockServices } from '@backstage/backend-test-utils';
import {
  parseLabelSelector,
  type ClusterCache,
  type ClusterCacheChange,
} from '@gitops-secrets/plugin-external-secrets-node';
import { EntitySignalPublisher } from './EntitySignalPublisher';

const ENTITY = 'component:default/example-api';

function fakeCluster() {
  let listener: ((change: ClusterCacheChange) => void) | undefined;
  const cluster = {
    name: 'cluster-a',
    onChange(l: (change: ClusterCacheChange) => void) {
      listener = l;
      return () => {
        listener = undefined;
      };
    },
    listExternalSecrets: () => [],
    getExternalSecret: () => undefined,
  } as unknown as ClusterCache;
  const change = (
    kubernetesId: string,
    resource: ClusterCacheChange['resource'] = 'ExternalSecret',
  ) =>
    listener?.({
      cluster: 'cluster-a',
      resource,
      type: 'updated',
      object: {
        metadata: {
          name: `${kubernetesId}-env-file`,
          namespace: kubernetesId,
          labels: { 'backstage.io/kubernetes-id': kubernetesId },
        },
      },
    });
  return { cluster, change };
}

describe('EntitySignalPublisher', () => {
  afterEach(() => jest.useRealTimers());

  it('signals the first change at once and folds a burst into one more signal', async () => {
    jest.useFakeTimers();
    const publish = jest.fn(async () => {});
    const { cluster, change } = fakeCluster();
    const publisher = new EntitySignalPublisher({
      signals: { publish },
      clusters: [cluster],
      logger: mockServices.logger.mock(),
      debounceMs: 500,
    });
    publisher.follow(ENTITY, {
      selector: parseLabelSelector('backstage.io/kubernetes-id=example-api'),
    });

    change('example-api');
    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledWith({
      recipients: { type: 'broadcast' },
      channel: `external-secrets:${ENTITY}`,
      message: { entityRef: ENTITY, type: 'status-changed' },
    });

    change('example-api');
    change('example-api');
    jest.advanceTimersByTime(100);
    change('example-api');
    expect(publish).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(400);
    expect(publish).toHaveBeenCalledTimes(2);

    // quiet for a whole window: the next change is signalled at once again
    jest.advanceTimersByTime(1000);
    change('example-api');
    expect(publish).toHaveBeenCalledTimes(3);

    // objects of entities nobody follows cost nothing
    change('example-worker');
    jest.advanceTimersByTime(1000);
    expect(publish).toHaveBeenCalledTimes(3);
    publisher.stop();
  });

  it.each(['PushSecret', 'ClusterExternalSecret'] as const)(
    'signals the entity a changed %s is labelled for',
    resource => {
      const publish = jest.fn(async () => {});
      const { cluster, change } = fakeCluster();
      const publisher = new EntitySignalPublisher({
        signals: { publish },
        clusters: [cluster],
        logger: mockServices.logger.mock(),
        debounceMs: 500,
      });
      publisher.follow(ENTITY, {
        selector: parseLabelSelector('backstage.io/kubernetes-id=example-api'),
      });
      change('example-worker', resource);
      expect(publish).not.toHaveBeenCalled();
      change('example-api', resource);
      expect(publish).toHaveBeenCalledTimes(1);
      publisher.stop();
    },
  );
});
