import { useEffect } from 'react';

/** The browser tab's title, so each page is told apart (WCAG 2.4.2) and in the history. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · orgtoken` : 'orgtoken';
  }, [title]);
}
