import { DeadlineExceededError, withDeadline } from './withDeadline';

describe('withDeadline', () => {
  it('answers with the work when it settles in time, value or error', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(
      withDeadline(Promise.reject(new Error('refused')), 1000, 'x'),
    ).rejects.toThrow('refused');
  });

  it('gives up on work that never settles, naming what did not answer', async () => {
    const never = new Promise<number>(() => undefined);
    const error = await withDeadline(never, 20, 'the catalog').catch(e => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error).toMatchObject({
      name: 'TimeoutError',
      message: 'the catalog got no answer within 20 ms',
    });
  });
});
