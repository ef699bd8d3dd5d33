/** A labelled text input with an optional hint, the building block of every form. */
import { useId, type InputHTMLAttributes } from 'react';

/** Props of {@link TextField}: a visible label, the value, and the usual input attributes. */
export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'id' | 'className'> {
  readonly label: string;
  readonly value: string;
  readonly onValueChange: (value: string) => void;
  readonly hint?: string;
  /** Monospaced, for keys and codes. */
  readonly mono?: boolean;
}

/** An input whose label and hint are tied to it, so it is reachable by its label. */
export function TextField({ label, value, onValueChange, hint, mono, ...input }: TextFieldProps) {
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
      <input
        {...input}
        id={id}
        className={mono ? 'input input-mono' : 'input'}
        value={value}
        aria-describedby={hint !== undefined ? hintId : undefined}
        onChange={(event) => onValueChange(event.target.value)}
      />
    </div>
  );
}
