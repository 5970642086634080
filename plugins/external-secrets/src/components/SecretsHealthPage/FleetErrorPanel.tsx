import { ResponseErrorPanel, WarningPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';

/**
 * A failed fleet request. A refusal by the permission policy gets its own explanation: the
 * page is meant for the platform team, and a developer finds their secrets on their entity.
 */
export function FleetErrorPanel(props: { error: Error; onRetry: () => void }) {
  const status = (props.error as { response?: { status?: number } }).response
    ?.status;
  if (status === 403) {
    return (
      <WarningPanel title="You may not see the Secrets health of the whole fleet">
        <Typography variant="body2">
          This page needs the <code>external-secrets.fleet.read</code>{' '}
          permission, which the permission policy gives to the platform team.
          The Secrets tab of each of your services shows its ExternalSecrets.
        </Typography>
      </WarningPanel>
    );
  }
  return (
    <Box>
      <ResponseErrorPanel
        error={props.error}
        title="Could not load the Secrets health of the fleet"
      />
      <Box mt={1}>
        <Button variant="outlined" onClick={props.onRetry}>
          Retry
        </Button>
      </Box>
    </Box>
  );
}
