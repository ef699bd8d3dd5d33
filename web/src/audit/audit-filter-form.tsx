/** The audit log's filters: search text, kind, outcome, actor, order and a time range. */
import { useId, useState, type FormEvent } from 'react';
import { TextField } from '../components/text-field';
import { instantOfLocalInput } from '../format';
import { NO_FILTER, type AuditFilter } from './audit-api';
import { AUDIT_KINDS } from './audit-kinds';

/** A `datetime-local` value (the plant's time zone, as every date in the app) as an ISO time; empty stays empty. */
function isoOf(local: string): string {
  if (local === '') return '';
  return instantOfLocalInput(local) ?? '';
}

/** A labelled select. */
function SelectField(props: { readonly label: string; readonly value: string; readonly options: readonly (readonly [string, string])[]; readonly onChange: (value: string) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} className="input" value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The form; `onApply` gets the filter with times in ISO form. */
export function AuditFilterForm(props: { readonly busy: boolean; readonly onApply: (filter: AuditFilter) => void }) {
  const [form, setForm] = useState({ ...NO_FILTER });
  const set = (name: keyof AuditFilter) => (value: string) => setForm((current) => ({ ...current, [name]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply({ ...form, q: form.q.trim(), actor: form.actor.trim(), orderId: form.orderId.trim(), since: isoOf(form.since), until: isoOf(form.until) });
  };
  const clear = () => {
    setForm({ ...NO_FILTER });
    props.onApply(NO_FILTER);
  };
  return (
    <form className="card audit-filters" role="search" aria-label="Filter the audit log" onSubmit={submit}>
      <div className="audit-filter-grid">
        <TextField label="Search" hint="Text in the entry: actor, kind, reason, order number…" value={form.q} onValueChange={set('q')} maxLength={100} />
        <SelectField label="Kind" value={form.kind} options={[['', 'Any kind'], ...AUDIT_KINDS.map((kind) => [kind, kind] as const)]} onChange={set('kind')} />
        <SelectField label="Outcome" value={form.outcome} options={[['', 'Any outcome'], ['ok', 'Done (ok)'], ['denied', 'Refused (denied)']]} onChange={set('outcome')} />
        <TextField label="Actor" hint="A username, exactly" value={form.actor} onValueChange={set('actor')} maxLength={64} autoComplete="off" />
        <TextField label="Order ID" value={form.orderId} onValueChange={set('orderId')} autoComplete="off" mono />
        <TextField label="From" type="datetime-local" value={form.since} onValueChange={set('since')} />
        <TextField label="Until" type="datetime-local" value={form.until} onValueChange={set('until')} />
      </div>
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={props.busy}>
          Apply filters
        </button>
        <button type="button" className="button" disabled={props.busy} onClick={clear}>
          Clear filters
        </button>
      </div>
    </form>
  );
}
