/**
 * The draft editor: header, operations, materials and parameters. A new order is created with
 * POST; a draft is saved with PATCH against the version its form was edited from (for a form kept
 * from before a sign-in, that version, not the one loaded now), so a change made meanwhile is
 * refused (409 stale-version) and said, with the person's edits kept on screen.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { isApiError } from '../api';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { timeZoneLabel } from '../format';
import { usePageTitle } from '../page-title';
import { Link, navigate } from '../router';
import { useSignedInUser } from '../session-context';
import { draftKey, forgetDraft, keepDraft, keptDraft } from './draft-memory';
import { MaterialRows, OperationRows, SetpointRows } from './order-editor-rows';
import { bodyOf, emptyForm, formOf, type OrderForm } from './order-form';
import { createOrder, fetchOrder, readsConfidential, saveOrder } from './orders-api';
import { PRIORITIES, type OrderDetail } from './order-types';
import { useWorkCenters } from './use-work-centers';

/** Creates an order (no `id`) or edits the draft `id`. */
export function OrderEditorPage(props: { readonly id?: string }) {
  const editing = props.id !== undefined;
  usePageTitle(editing ? 'Edit order' : 'New order');
  const user = useSignedInUser();
  const confidential = readsConfidential(user);
  const key = draftKey(user.id, props.id);
  const [kept] = useState(() => keptDraft(key));
  const [restored, setRestored] = useState(kept !== undefined);
  const [loaded, setLoaded] = useState<OrderDetail>();
  // The version the form on screen was edited from: a restored form keeps its own, not the one loaded now.
  const [baseVersion, setBaseVersion] = useState(kept?.baseVersion);
  const [form, setFormState] = useState<OrderForm | undefined>(() => kept?.form ?? (editing ? undefined : emptyForm()));
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const setForm = (next: OrderForm) => {
    keepDraft(key, { form: next, baseVersion });
    setFormState(next);
  };

  useEffect(() => {
    if (props.id === undefined) return;
    fetchOrder(props.id, confidential, user.id).then(
      (order) => {
        setLoaded(order);
        // Changes kept from before a sign-in win over the saved revision, and stay based on the version they were edited from.
        setBaseVersion((current) => current ?? order.version);
        setFormState((current) => current ?? formOf(order.content));
      },
      setError,
    );
  }, [props.id, confidential, user.id]);

  const discard = () => {
    forgetDraft(key);
    setRestored(false);
    setError(undefined);
    setBaseVersion(loaded?.version);
    setFormState(loaded !== undefined ? formOf(loaded.content) : emptyForm());
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (form === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const saved = loaded === undefined
        ? await createOrder({ number: form.number.trim(), ...bodyOf(form, confidential) })
        : await saveOrder(loaded.id, baseVersion ?? loaded.version, bodyOf(form, loaded.confidentialIncluded));
      forgetDraft(key);
      navigate(`/orders/${saved.id}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  const heading = editing ? `Edit order ${loaded?.number ?? ''}`.trim() : 'New order';
  if (form === undefined) {
    return (
      <div className="stack">
        <h1>{heading}</h1>
        <ErrorAlert error={error} />
        {error === undefined && <p className="muted">Loading…</p>}
      </div>
    );
  }
  const set = (patch: Partial<OrderForm>) => setForm({ ...form, ...patch });
  const showConfidential = loaded === undefined ? confidential : loaded.confidentialIncluded;
  return (
    <form className="stack" aria-labelledby="editor-heading" onSubmit={(event) => void submit(event)} noValidate>
      <h1 id="editor-heading">{heading}</h1>
      {restored && (
        <div className="notice">
          <StatusMessage>
            {`Your unsaved changes from before are restored${loaded !== undefined && baseVersion !== undefined && baseVersion !== loaded.version ? '; the order was saved since, so saving them will be refused' : ''}.`}
          </StatusMessage>
          <button type="button" className="button button-small" onClick={discard}>
            Discard my changes
          </button>
        </div>
      )}
      {loaded !== undefined && loaded.state !== 'draft' && <p role="alert" className="alert alert-error">Only drafts can be edited; this order is {loaded.state}.</p>}
      <HeaderSection form={form} set={set} editing={editing} showConfidential={showConfidential} />
      <OperationRows rows={form.operations} onChange={(operations) => set({ operations })} />
      <MaterialRows rows={form.materials} onChange={(materials) => set({ materials })} />
      {showConfidential && (
        <section className="card stack" aria-labelledby="parameters-heading">
          <h2 id="parameters-heading">Parameters</h2>
          <p className="muted">The recipe and setpoints are confidential: stored encrypted and shown only to roles that need them.</p>
          <TextField label="Recipe" value={form.recipe} onValueChange={(recipe) => set({ recipe })} autoComplete="off" />
          <SetpointRows rows={form.setpoints} onChange={(setpoints) => set({ setpoints })} />
        </section>
      )}
      <TextField label="Notes" value={form.notes} onValueChange={(notes) => set({ notes })} autoComplete="off" />
      <ErrorAlert error={error} />
      {isApiError(error, 'stale-version') ? (
        <p className="muted">
          This order was saved after you started editing it (version {baseVersion ?? '?'}; it is now at version {loaded?.version ?? '?'} or later), so your changes did not
          overwrite it. Your changes are still here: open the order in another tab to see what changed, or discard your changes to start from the saved order.
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {editing ? 'Save draft' : 'Create draft'}
        </button>
        <Link to={editing && props.id !== undefined ? `/orders/${props.id}` : '/orders'} className="button">
          Cancel
        </Link>
      </div>
    </form>
  );
}

/** The header fields: number, item, quantity, due window, priority, work center, customer. */
function HeaderSection(props: { readonly form: OrderForm; readonly set: (patch: Partial<OrderForm>) => void; readonly editing: boolean; readonly showConfidential: boolean }) {
  const { form, set } = props;
  const { workCenters } = useWorkCenters();
  return (
    <section className="card stack" aria-labelledby="header-heading">
      <h2 id="header-heading">Header</h2>
      <div className="field-grid">
        <TextField label="Order number" value={form.number} onValueChange={(number) => set({ number })} readOnly={props.editing} autoComplete="off" spellCheck={false} required />
        <TextField label="Item code" value={form.itemCode} onValueChange={(itemCode) => set({ itemCode })} autoComplete="off" spellCheck={false} required />
        <TextField label="Item revision" value={form.itemRevision} onValueChange={(itemRevision) => set({ itemRevision })} autoComplete="off" spellCheck={false} required />
        <TextField label="Quantity" value={form.quantity} onValueChange={(quantity) => set({ quantity })} inputMode="decimal" autoComplete="off" required />
        <TextField label="Unit" value={form.unit} onValueChange={(unit) => set({ unit })} autoComplete="off" spellCheck={false} required />
        <TextField label="Due from" hint={`Plant time (${timeZoneLabel()})`} type="datetime-local" value={form.dueStart} onValueChange={(dueStart) => set({ dueStart })} required />
        <TextField label="Due by" hint={`Plant time (${timeZoneLabel()})`} type="datetime-local" value={form.dueEnd} onValueChange={(dueEnd) => set({ dueEnd })} required />
        <div className="field">
          <label htmlFor="editor-priority">Priority</label>
          <select id="editor-priority" className="input" value={form.priority} onChange={(event) => set({ priority: event.target.value })}>
            {PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {priority}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="editor-work-center">Work center</label>
          <select id="editor-work-center" className="input" value={form.workCenterId} onChange={(event) => set({ workCenterId: event.target.value })} required>
            <option value="">Choose a work center</option>
            {workCenters.map((center) => (
              <option key={center.id} value={center.id}>
                {center.name} ({center.code})
              </option>
            ))}
          </select>
        </div>
        {props.showConfidential && (
          <TextField label="Customer reference" value={form.customerReference} onValueChange={(customerReference) => set({ customerReference })} autoComplete="off" />
        )}
      </div>
    </section>
  );
}
