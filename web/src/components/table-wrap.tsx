import type { ReactNode } from 'react';

/**
 * A table that may scroll sideways on a narrow screen: a named region the keyboard can focus,
 * so that its hidden columns can be scrolled to without a mouse (axe: scrollable regions
 * must be keyboard accessible).
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to be scrolled by keyboard.
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
