import { formatRelativeTime } from './formatRelativeTime';

const now = new Date('2026-11-28T12:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('formatRelativeTime', () => {
  it.each([
    [0, 'now'],
    [20, '20 seconds ago'],
    [60, '1 minute ago'],
    [150, '2 minutes ago'],
    [2 * 3600, '2 hours ago'],
    [26 * 3600, 'yesterday'],
    [3 * 24 * 3600, '3 days ago'],
    [15 * 24 * 3600, '2 weeks ago'],
    [400 * 24 * 3600, 'last year'],
  ])('%i seconds before now reads "%s"', (seconds, expected) => {
    expect(formatRelativeTime(ago(seconds), now, 'en')).toBe(expected);
  });

  it('describes a time in the future (clock skew) as such', () => {
    expect(formatRelativeTime(ago(-120), now, 'en')).toBe('in 2 minutes');
  });
});
