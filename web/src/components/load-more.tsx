import { Button } from 'react-aria-components';

export function LoadMore({ loadMore }: { loadMore: (() => Promise<void>) | null }) {
  if (!loadMore) return null;
  return (
    <Button className="button" onPress={() => void loadMore()}>
      Load more
    </Button>
  );
}
