import { renderInTestApp } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import {
  failingExternalSecret,
  healthyExternalSecret,
} from '../../__testUtils__/statusFixtures';
import { SyncHistoryTimeline } from './SyncHistoryTimeline';

const minutesAgo = (n: number) =>
  new Date(Date.now() - n * 60_000).toISOString();

describe('SyncHistoryTimeline', () => {
  it('shows when a failing ExternalSecret was last healthy and its state changes, newest first', async () => {
    await renderInTestApp(
      <SyncHistoryTimeline
        externalSecret={failingExternalSecret({
          lastHealthyAt: minutesAgo(5),
          transitions: [
            {
              at: minutesAgo(5),
              from: 'Synced',
              to: 'Error',
              reason: 'SecretSyncedError',
              findingCode: 'PROPERTY_MISSING',
            },
            { at: minutesAgo(150), to: 'Synced', reason: 'SecretSynced' },
          ],
        })}
      />,
    );
    const section = screen.getByRole('region', { name: /Sync history of/ });
    expect(within(section).getByText(/Last healthy:/)).toHaveTextContent(
      'Last healthy: 5 minutes ago',
    );
    const rows = within(
      screen.getByRole('table', { name: /State changes of/ }),
    ).getAllByRole('row');
    expect(rows.map(r => r.textContent)).toEqual([
      'WhenFromToReasonFinding',
      '5 minutes agoSyncedErrorSecretSyncedErrorPROPERTY_MISSING',
      '2 hours agofirst seenSyncedSecretSynced—',
    ]);
  });

  it('says healthy now for a Synced row, never for one without a healthy past, and tells when the history is missing', async () => {
    const { unmount } = await renderInTestApp(
      <SyncHistoryTimeline
        externalSecret={healthyExternalSecret({ transitions: [] })}
      />,
    );
    expect(screen.getByText(/Last healthy:/)).toHaveTextContent(
      'Last healthy: now',
    );
    expect(
      screen.getByText('No state change recorded yet.'),
    ).toBeInTheDocument();
    unmount();

    await renderInTestApp(
      <SyncHistoryTimeline externalSecret={failingExternalSecret()} />,
    );
    expect(screen.getByText(/Last healthy:/)).toHaveTextContent(
      'Last healthy: never, as far as the history goes',
    );
    expect(
      screen.getByText('The sync history is not available right now.'),
    ).toBeInTheDocument();
  });

  it('names a deletion', async () => {
    await renderInTestApp(
      <SyncHistoryTimeline
        externalSecret={failingExternalSecret({
          transitions: [{ at: minutesAgo(1), from: 'Error', to: 'Deleted' }],
        })}
      />,
    );
    expect(
      within(
        screen.getByRole('table', { name: /State changes of/ }),
      ).getAllByRole('row')[1],
    ).toHaveTextContent('Deleted');
  });
});
