import { ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';

/** The status request failed: say so (never "no secrets") and offer to try again. */
export function StatusErrorPanel(props: { error: Error; onRetry: () => void }) {
  return (
    <Box>
      <ResponseErrorPanel
        error={props.error}
        title="Could not load the External Secrets status"
      />
      <Box mt={1}>
        <Button variant="outlined" onClick={props.onRetry}>
          Retry
        </Button>
      </Box>
    </Box>
  );
}
