/** A labelled text input with an optional hint, the building block of every form. */
import type { InputHTMLAttributes } from 'react';
import { FieldFrame } from './field-frame';

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
  return (
    <FieldFrame
      label={label}
      hint={hint}
      control={(id, describedBy) => (
        <input {...input} id={id} className={mono ? 'input input-mono' : 'input'} value={value} aria-describedby={describedBy} onChange={(event) => onValueChange(event.target.value)} />
      )}
    />
  );
}
