import { parseLabelSelector } from './labelSelector';

describe('parseLabelSelector', () => {
  it.each([
    [
      'backstage.io/kubernetes-id=example-api',
      { 'backstage.io/kubernetes-id': 'example-api' },
      true,
    ],
    [
      'backstage.io/kubernetes-id==example-api',
      { 'backstage.io/kubernetes-id': 'other' },
      false,
    ],
    ['app=a,tier!=db', { app: 'a', tier: 'web' }, true],
    ['app=a,tier!=db', { app: 'a', tier: 'db' }, false],
    ['tier!=db', {}, true],
    ['env in (prod, staging)', { env: 'staging' }, true],
    ['env notin (prod)', { env: 'prod' }, false],
    ['legacy', { legacy: '' }, true],
    ['!legacy', { legacy: 'x' }, false],
    ['app=a,env in (x,y),!legacy', { app: 'a', env: 'y' }, true],
  ])('%s against %j → %s', (text, labels, expected) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(expected);
  });

  it('exposes the equality value that the index uses', () => {
    expect(
      parseLabelSelector('backstage.io/kubernetes-id=x,app=y').equalityValue(
        'backstage.io/kubernetes-id',
      ),
    ).toBe('x');
    expect(
      parseLabelSelector('backstage.io/kubernetes-id in (x,y)').equalityValue(
        'backstage.io/kubernetes-id',
      ),
    ).toBeUndefined();
  });

  it.each(['', 'app=a b', 'app=(x', 'bad key!=x'])('rejects %j', text => {
    expect(() => parseLabelSelector(text)).toThrow(/Invalid label selector/);
  });

  it.each([
    ['backstage.io/kubernetes-id=example-api', true],
    ['app in (a,b),!legacy', true],
    ['team==payments', true],
    ['!legacy', false],
    ['app', false],
    ['app!=x', false],
    ['app notin (x,y)', false],
    ['app=', false],
  ])('%s pins a label value: %s', (text, pinned) => {
    expect(parseLabelSelector(text).pinsLabelValue()).toBe(pinned);
  });
});
