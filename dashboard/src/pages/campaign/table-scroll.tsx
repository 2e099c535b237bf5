import type { ComponentChildren } from "preact";

/**
 * A table that may scroll sideways on a narrow screen: a named region that takes focus, so a
 * keyboard can scroll it too.
 */
export const TableScroll = ({ label, children }: { label: string; children: ComponentChildren }) => (
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard.
  <section class="table-wrap" aria-label={label} tabIndex={0}>
    {children}
  </section>
);
