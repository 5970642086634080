import Tooltip from '@material-ui/core/Tooltip';
import { formatRelativeTime } from './formatRelativeTime';

/** A past instant (usually the last sync): relative, with the exact time on hover. */
export function LastSyncTime(props: { time?: string; emptyLabel?: string }) {
  if (!props.time) {
    return <span>{props.emptyLabel ?? 'never'}</span>;
  }
  const date = new Date(props.time);
  if (Number.isNaN(date.getTime())) {
    return <span>{props.time}</span>;
  }
  const exact = date.toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'long',
  });
  return (
    <Tooltip title={exact}>
      <time dateTime={props.time}>{formatRelativeTime(date)}</time>
    </Tooltip>
  );
}
