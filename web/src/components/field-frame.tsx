/** The label and hint every form control shares, tied to the control by id so it is reachable by its label. */
import { useId, type ReactNode } from 'react';

/** Props of {@link FieldFrame}: the label, an optional hint, and the control drawn with its id and described-by id. */
export interface FieldFrameProps {
  readonly label: string;
  readonly hint?: string | undefined;
  readonly control: (id: string, describedBy: string | undefined) => ReactNode;
}

/** A labelled control with its hint. */
export function FieldFrame({ label, hint, control }: FieldFrameProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint !== undefined && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {control(id, hint !== undefined ? hintId : undefined)}
    </div>
  );
}
