import { useApi } from '@backstage/core-plugin-api';
import { useCallback, useEffect, useRef, useState } from 'react';
import { externalSecretsApiRef } from '../../api/ExternalSecretsApi';
import type { ExternalSecretsApi } from '../../api/ExternalSecretsApi';
import { usePageVisible } from '../../hooks/usePageVisible';

/** The fleet page refreshes itself this often while the browser tab is shown. */
export const FLEET_POLL_INTERVAL_MS = 30_000;

export interface FleetQueryResult<T> {
  /** the last answer; kept while the next one loads so the table does not flicker */
  data?: T;
  error?: Error;
  loading: boolean;
  retry: () => void;
}

/**
 * One fleet request, asked again whenever `key` (the serialized query) changes and every 30 s
 * while the page is visible. Answers to an older query that arrive late are dropped.
 */
export function useFleetQuery<T>(
  key: string,
  load: (api: ExternalSecretsApi) => Promise<T>,
): FleetQueryResult<T> {
  const api = useApi(externalSecretsApiRef);
  const visible = usePageVisible();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef
      .current(api)
      .then(answer => {
        if (!current) return;
        setData(answer);
        setError(undefined);
      })
      .catch(e => {
        if (current) setError(e as Error);
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
  }, [api, key, tick]);

  useEffect(() => {
    if (!visible) return undefined;
    const timer = setInterval(
      () => setTick(t => t + 1),
      FLEET_POLL_INTERVAL_MS,
    );
    return () => clearInterval(timer);
  }, [visible]);

  const retry = useCallback(() => setTick(t => t + 1), []);
  return { data, error, loading, retry };
}
