/** The recovery codes, shown this once: the server keeps only their hashes and never sends them again. */
import { useEffect, useId, useRef } from 'react';
import { Heading, type HeadingLevel } from './heading';

/** Lists the codes and waits for the user to say they saved them. */
export function RecoveryCodes(props: { readonly codes: readonly string[]; readonly level: HeadingLevel; readonly onSaved: () => void }) {
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  // The codes replace the form the user just sent: move focus to them so they are read first.
  useEffect(() => heading.current?.focus(), []);
  return (
    <section className="stack" aria-labelledby={headingId}>
      <Heading level={props.level} id={headingId} ref={heading}>
        Save your recovery codes
      </Heading>
      <p>
        Each code signs you in once if you lose your authenticator. Write them down or store them in a password manager now:{' '}
        <strong>they are shown only this once.</strong>
      </p>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {props.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <button type="button" className="button button-primary" onClick={props.onSaved}>
        I have saved these
      </button>
    </section>
  );
}
