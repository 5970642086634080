import { useApi } from '@backstage/core-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  externalSecretsSignalChannel,
  type EntityExternalSecretsStatus,
} from '@gitops-secrets/plugin-external-secrets-common';
import { useCallback, useEffect, useRef, useState } from 'react';
import { externalSecretsApiRef } from '../api/ExternalSecretsApi';
import { usePageVisible } from './usePageVisible';

/** Several signals in a burst (one per changed object) cause one refetch. */
export const SIGNAL_DEBOUNCE_MS = 500;

/** Fallback refresh period when the app has no signals plugin. */
export const POLL_INTERVAL_MS = 30_000;

/**
 * With signals, a slow poll as a safety net: a signals connection can drop without the page
 * knowing (a proxy closing the WebSocket, the backend restarting), and the view must not stay
 * wrong for long.
 */
export const SIGNALS_SAFETY_POLL_MS = 300_000;

/** What the card and the tab render from. */
export interface ExternalSecretsStatusResult {
  /** the last status received; kept while a refetch runs so the view does not flicker */
  status?: EntityExternalSecretsStatus;
  /** the last failure; an error is never presented as "nothing found" */
  error?: Error;
  /** true until the first answer (or failure) arrives */
  loading: boolean;
  /** fetches again now */
  retry: () => void;
  /** true when updates are pushed by signals rather than polled */
  live: boolean;
}

/**
 * The External Secrets status of an entity, kept current: refetched (debounced) when the backend
 * signals a change, or every 30 s while the page is visible when signals are unavailable (every
 * 5 min as a safety net when they are); refetched at once when a hidden page is shown again.
 */
export function useExternalSecretsStatus(
  entityRef: string,
): ExternalSecretsStatusResult {
  const api = useApi(externalSecretsApiRef);
  const { lastSignal, isSignalsAvailable } = useSignal(
    externalSecretsSignalChannel(entityRef),
  );
  const visible = usePageVisible();
  const [result, setResult] = useState<{
    status?: EntityExternalSecretsStatus;
    error?: Error;
    loading: boolean;
  }>({ loading: true });
  const latestRequest = useRef(0);

  const load = useCallback(() => {
    const request = ++latestRequest.current;
    api.getStatus(entityRef).then(
      status => {
        if (request === latestRequest.current) {
          setResult({ status, loading: false });
        }
      },
      error => {
        if (request === latestRequest.current) {
          setResult({ error, loading: false });
        }
      },
    );
  }, [api, entityRef]);

  useEffect(() => {
    setResult({ loading: true });
    load();
    return () => {
      // answers to requests of a previous entity or an unmounted view are ignored
      latestRequest.current += 1;
    };
  }, [load]);

  useEffect(() => {
    if (!lastSignal) {
      return undefined;
    }
    const timer = setTimeout(load, SIGNAL_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [lastSignal, load]);

  const wasVisible = useRef(visible);
  useEffect(() => {
    const cameBack = visible && !wasVisible.current;
    wasVisible.current = visible;
    if (!visible) {
      return undefined;
    }
    if (cameBack) {
      load();
    }
    const timer = setInterval(
      load,
      isSignalsAvailable ? SIGNALS_SAFETY_POLL_MS : POLL_INTERVAL_MS,
    );
    return () => clearInterval(timer);
  }, [isSignalsAvailable, visible, load]);

  return { ...result, retry: load, live: isSignalsAvailable };
}
