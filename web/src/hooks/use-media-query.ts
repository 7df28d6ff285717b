import { useSyncExternalStore } from 'react';

/** Whether a CSS media query matches now; re-renders when it starts or stops matching. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (changed) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', changed);
      return () => list.removeEventListener('change', changed);
    },
    () => window.matchMedia(query).matches,
  );
}

/**
 * Phone and narrow tablet widths, where the administration sections fold into a menu. The
 * same width as the `@media` rules of styles.css that stack tables and fields.
 */
export const narrowScreen = '(max-width: 52rem)';
