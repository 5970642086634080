import { countStates, worstState } from './status';

describe('worstState', () => {
  it.each([
    [[], 'Unknown'],
    [['Synced'], 'Synced'],
    [['Synced', 'Pending'], 'Pending'],
    [['Synced', 'PendingRotation'], 'PendingRotation'],
    [['PendingRotation', 'Pending'], 'Pending'],
    [['Synced', 'Unknown', 'Pending'], 'Unknown'],
    [['Synced', 'Stale', 'Unknown'], 'Stale'],
    [['Stale', 'Error', 'Synced'], 'Error'],
  ] as const)('%j → %s', (states, worst) => {
    expect(worstState(states)).toBe(worst);
  });
});

describe('countStates', () => {
  it('counts every state, zero included', () => {
    expect(countStates(['Synced', 'Error', 'Synced'])).toEqual({
      Synced: 2,
      PendingRotation: 0,
      Error: 1,
      Stale: 0,
      Pending: 0,
      Unknown: 0,
    });
  });
});
