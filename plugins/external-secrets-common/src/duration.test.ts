import { parseGoDuration } from './duration';

describe('parseGoDuration', () => {
  it.each([
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1h0m0s', 3_600_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['0s', 0],
    [' 2m ', 120_000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([undefined, '', 'soon', '2', '2 m', '-1m', 'm', '1d', '1h!'])(
    'refuses %j',
    text => {
      expect(parseGoDuration(text)).toBeUndefined();
    },
  );
});
