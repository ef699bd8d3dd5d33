/** A labelled drop-down list, the select counterpart of TextField. */
import type { SelectHTMLAttributes } from 'react';
import { FieldFrame } from '../components/field-frame';

/** One choice of a {@link SelectField}. */
export interface SelectOption {
  readonly value: string;
  readonly label: string;
}

/** Props of {@link SelectField}: a visible label, the choices and the value. */
export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'id' | 'className'> {
  readonly label: string;
  readonly value: string;
  readonly options: readonly SelectOption[];
  readonly onValueChange: (value: string) => void;
  readonly hint?: string;
}

/** A select whose label and hint are tied to it, so it is reachable by its label. */
export function SelectField({ label, value, options, onValueChange, hint, ...select }: SelectFieldProps) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      control={(id, describedBy) => (
        <select {...select} id={id} className="input" value={value} aria-describedby={describedBy} onChange={(event) => onValueChange(event.target.value)}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}
