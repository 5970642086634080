import Skeleton from '@material-ui/lab/Skeleton';

/** Placeholder with the card's shape while the first answer is on its way. */
export function LoadingSkeleton(props: { rows?: number }) {
  const rows = Array.from({ length: props.rows ?? 3 }, (_, i) => i);
  return (
    <div role="progressbar" aria-label="Loading External Secrets status">
      <Skeleton variant="rect" width={96} height={32} />
      {rows.map(row => (
        <Skeleton key={row} variant="text" height={40} />
      ))}
    </div>
  );
}
