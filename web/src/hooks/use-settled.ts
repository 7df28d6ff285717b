import { useEffect, useState } from 'react';

/**
 * Typed text, trimmed, once the person has paused for `ms`: a search asks the server once
 * per pause, not once per keystroke.
 */
export function useSettled(text: string, ms = 250): string {
  const [settled, setSettled] = useState(text.trim());
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text.trim()), ms);
    return () => clearTimeout(timer);
  }, [text, ms]);
  return settled;
}
