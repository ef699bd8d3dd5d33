/** A heading whose level the caller picks, so a component fits under a page's h1 or a section's h2. */
import type { ReactNode, Ref } from 'react';

/** The levels components nest at. */
export type HeadingLevel = 2 | 3;

/** An h2 or h3 that can take focus from script (tabIndex -1) when it replaces what the user just sent. */
export function Heading(props: { readonly level: HeadingLevel; readonly id?: string; readonly ref?: Ref<HTMLHeadingElement>; readonly children: ReactNode }) {
  const Tag = props.level === 2 ? 'h2' : 'h3';
  return (
    <Tag id={props.id} ref={props.ref} tabIndex={-1}>
      {props.children}
    </Tag>
  );
}
