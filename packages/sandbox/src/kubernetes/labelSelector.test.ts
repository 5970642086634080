import { KubernetesApiError } from './kubernetesStatus';
import { LabelSelector } from './labelSelector';

const labels = {
  app: 'example-api',
  tier: 'web',
  'backstage.io/kubernetes-id': 'example-api',
};

describe('LabelSelector', () => {
  it.each([
    ['', true],
    ['app=example-api', true],
    ['app==example-api', true],
    ['app=example-worker', false],
    ['app!=example-worker', true],
    ['missing!=x', true],
    ['app in (example-api, example-worker)', true],
    ['app notin (example-api)', false],
    ['missing notin (x)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['backstage.io/kubernetes-id=example-api,tier in (web),!missing', true],
    ['backstage.io/kubernetes-id=example-api,tier=db', false],
    ['missing in (x)', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(LabelSelector.parse(selector).matches(labels)).toBe(expected);
  });

  it('treats missing labels as an empty set', () => {
    expect(LabelSelector.parse('!app').matches(undefined)).toBe(true);
    expect(LabelSelector.parse('app').matches(undefined)).toBe(false);
  });

  it.each(['app=(x', 'a b', '=x'])('rejects %j with 400', selector => {
    let error: unknown;
    try {
      LabelSelector.parse(selector);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect((error as KubernetesApiError).code).toBe(400);
  });
});
