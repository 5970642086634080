import {
  MockFetchApi,
  TestApiProvider,
  mockApis,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import { act, renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type { ReactNode } from 'react';
import { externalSecretsApiRef } from '../api/ExternalSecretsApi';
import { ExternalSecretsClient } from '../api/ExternalSecretsClient';
import {
  ENTITY_REF,
  STATUS_PATH,
  entityStatus,
  failingExternalSecret,
  healthyExternalSecret,
} from '../__testUtils__/statusFixtures';
import {
  POLL_INTERVAL_MS,
  SIGNALS_SAFETY_POLL_MS,
  useExternalSecretsStatus,
} from './useExternalSecretsStatus';

const server = setupServer();
registerMswTestHooks(server);

const client = new ExternalSecretsClient({
  discoveryApi: mockApis.discovery({ baseUrl: 'http://localhost:7007' }),
  fetchApi: new MockFetchApi(),
});

function countedStatusRoute() {
  const calls = { count: 0 };
  server.use(
    http.get(STATUS_PATH, () => {
      calls.count += 1;
      return HttpResponse.json(
        entityStatus([
          calls.count === 1 ? healthyExternalSecret() : failingExternalSecret(),
        ]),
      );
    }),
  );
  return calls;
}

function setVisibility(state: 'visible' | 'hidden') {
  Object.defineProperty(document, 'visibilityState', {
    configurable: true,
    get: () => state,
  });
  act(() => {
    document.dispatchEvent(new Event('visibilitychange'));
  });
}

function wrapperWith(apis: ReadonlyArray<readonly [any, any]>) {
  return ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={[[externalSecretsApiRef, client], ...apis] as any}>
      {children}
    </TestApiProvider>
  );
}

describe('useExternalSecretsStatus', () => {
  afterEach(() => {
    jest.useRealTimers();
    setVisibility('visible');
  });

  it('refetches once after a burst of signals on the entity channel', async () => {
    const calls = countedStatusRoute();
    const listeners: Record<string, (message: any) => void> = {};
    const signalApi: SignalApi = {
      subscribe(channel, onMessage) {
        listeners[channel] = onMessage;
        return { unsubscribe: () => delete listeners[channel] };
      },
    };
    const { result } = renderHook(() => useExternalSecretsStatus(ENTITY_REF), {
      wrapper: wrapperWith([[signalApiRef, signalApi]]),
    });
    await waitFor(() => expect(result.current.status?.overall).toBe('Synced'));
    expect(result.current.live).toBe(true);

    const notify = listeners[`external-secrets:${ENTITY_REF}`];
    expect(notify).toBeDefined();
    act(() => {
      notify({ changed: 1 });
      notify({ changed: 2 });
      notify({ changed: 3 });
    });

    await waitFor(() => expect(result.current.status?.overall).toBe('Error'));
    expect(calls.count).toBe(2);
  });

  it('polls every 30 s without signals, and not while the page is hidden', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const calls = countedStatusRoute();
    const { result } = renderHook(() => useExternalSecretsStatus(ENTITY_REF), {
      wrapper: wrapperWith([]),
    });
    await waitFor(() => expect(result.current.status?.overall).toBe('Synced'));
    expect(result.current.live).toBe(false);

    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS);
    });
    await waitFor(() => expect(result.current.status?.overall).toBe('Error'));
    expect(calls.count).toBe(2);

    setVisibility('hidden');
    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(calls.count).toBe(2);

    setVisibility('visible');
    await waitFor(() => expect(calls.count).toBe(3));
  });

  it('with signals, does not poll at the 30 s pace but catches up every 5 min and when shown again', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    const calls = countedStatusRoute();
    const signalApi: SignalApi = {
      subscribe: () => ({ unsubscribe: () => undefined }),
    };
    const { result } = renderHook(() => useExternalSecretsStatus(ENTITY_REF), {
      wrapper: wrapperWith([[signalApiRef, signalApi]]),
    });
    await waitFor(() => expect(result.current.status?.overall).toBe('Synced'));
    expect(result.current.live).toBe(true);

    await act(async () => {
      jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    });
    expect(calls.count).toBe(1);

    // a signals connection that dropped silently: the view is right again within 5 min
    await act(async () => {
      jest.advanceTimersByTime(SIGNALS_SAFETY_POLL_MS - POLL_INTERVAL_MS * 3);
    });
    await waitFor(() => expect(result.current.status?.overall).toBe('Error'));
    expect(calls.count).toBe(2);

    setVisibility('hidden');
    await act(async () => {
      jest.advanceTimersByTime(SIGNALS_SAFETY_POLL_MS * 2);
    });
    expect(calls.count).toBe(2);
    setVisibility('visible');
    await waitFor(() => expect(calls.count).toBe(3));
  });

  it('reports a failure as an error, not as an empty status', async () => {
    server.use(
      http.get(STATUS_PATH, () =>
        HttpResponse.json(
          { error: { name: 'Error', message: 'boom' } },
          { status: 500 },
        ),
      ),
    );
    const { result } = renderHook(() => useExternalSecretsStatus(ENTITY_REF), {
      wrapper: wrapperWith([]),
    });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.error?.name).toBe('ResponseError');
    expect(result.current.status).toBeUndefined();
  });
});
