import {
  failingExternalSecret,
  healthyExternalSecret,
} from '../../__testUtils__/statusFixtures';
import { NO_FILTER, filterExternalSecrets } from './filterExternalSecrets';

const devHealthy = healthyExternalSecret();
const devFailing = failingExternalSecret();
const stagingHealthy = healthyExternalSecret({ cluster: 'staging' });
const all = [devHealthy, devFailing, stagingHealthy];

describe('filterExternalSecrets', () => {
  it.each([
    ['no filter', NO_FILTER, [devHealthy, devFailing, stagingHealthy]],
    ['cluster', { ...NO_FILTER, cluster: 'staging' }, [stagingHealthy]],
    ['state', { ...NO_FILTER, state: 'Error' as const }, [devFailing]],
    [
      'cluster and state',
      { ...NO_FILTER, cluster: 'staging', state: 'Error' as const },
      [],
    ],
    ['name', { ...NO_FILTER, text: 'CONFIG' }, [devFailing]],
    [
      'Secret key',
      { ...NO_FILTER, text: '.env' },
      [devHealthy, stagingHealthy],
    ],
    [
      'Vault property',
      { ...NO_FILTER, text: 'dotenv' },
      [devHealthy, stagingHealthy],
    ],
    [
      'finding summary',
      { ...NO_FILTER, text: 'has no property' },
      [devFailing],
    ],
    [
      'every word',
      { ...NO_FILTER, text: 'staging env-file' },
      [stagingHealthy],
    ],
    ['unknown word', { ...NO_FILTER, text: 'nothing-like-this' }, []],
  ])('filters by %s', (_, filter, expected) => {
    expect(filterExternalSecrets(all, filter)).toEqual(expected);
  });
});
