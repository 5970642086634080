import type { Entity } from '@backstage/catalog-model';
import {
  entityLabelSelector,
  isExternalSecretsAvailable,
} from './isExternalSecretsAvailable';

function entity(annotations?: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'example-api', annotations },
  };
}

describe('isExternalSecretsAvailable', () => {
  it.each([
    [undefined, false, undefined],
    [{}, false, undefined],
    [{ 'backstage.io/kubernetes-id': '' }, false, undefined],
    [{ 'backstage.io/kubernetes-id': '   ' }, false, undefined],
    [{ 'backstage.io/kubernetes-namespace': 'example-api' }, false, undefined],
    [
      { 'backstage.io/kubernetes-id': 'example-api' },
      true,
      'backstage.io/kubernetes-id=example-api',
    ],
    [
      { 'backstage.io/kubernetes-label-selector': 'app=example-api' },
      true,
      'app=example-api',
    ],
    [
      {
        'backstage.io/kubernetes-id': 'example-api',
        'backstage.io/kubernetes-label-selector': 'team=payments',
      },
      true,
      'team=payments',
    ],
  ])('%j → %s, selector %j', (annotations, available, selector) => {
    expect(isExternalSecretsAvailable(entity(annotations))).toBe(available);
    expect(entityLabelSelector(entity(annotations))).toBe(selector);
  });
});
