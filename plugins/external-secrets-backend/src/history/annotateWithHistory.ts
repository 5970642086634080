import type { EntityExternalSecretsStatus } from '@gitops-secrets/plugin-external-secrets-common';
import { nameKey, type TransitionStore } from './TransitionStore';

export interface AnnotateOptions {
  store: Pick<TransitionStore, 'historyOf'>;
  /** transitions per row */
  limit: number;
  /** the history must not stall the answer: past this, the rows go out without it */
  timeoutMs?: number;
}

/**
 * Adds each row's last transitions and "last healthy at" to an entity's status. The database
 * being slow or down degrades only this part: the status goes out with `historyError` set.
 */
export async function annotateWithHistory(
  status: EntityExternalSecretsStatus,
  options: AnnotateOptions,
): Promise<EntityExternalSecretsStatus> {
  if (status.externalSecrets.length === 0) return status;
  const timeoutMs = options.timeoutMs ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const history = await Promise.race([
      options.store.historyOf(status.externalSecrets, options.limit),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`no answer from the database in ${timeoutMs} ms`)),
          timeoutMs,
        );
        timer.unref?.();
      }),
    ]);
    return {
      ...status,
      externalSecrets: status.externalSecrets.map(row => {
        const entry = history.get(nameKey(row));
        let lastHealthyAt: string | undefined;
        if (row.state === 'Synced' || entry?.latestState === 'Synced') {
          // healthy now, or it left Synced so recently that the history has not caught up
          lastHealthyAt = status.generatedAt;
        } else {
          lastHealthyAt = entry?.lastLeftSyncedAt;
        }
        return {
          ...row,
          transitions: entry?.transitions ?? [],
          lastHealthyAt,
        };
      }),
    };
  } catch (error) {
    return {
      ...status,
      historyError: `The sync history could not be read: ${
        (error as Error).message
      }`,
    };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
