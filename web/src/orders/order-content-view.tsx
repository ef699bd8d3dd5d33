/** An order's content read-only: header facts, operations, materials, parameters and signatures. */
import { formatDateTime } from '../format';
import { StateBadge } from './order-format';
import type { OrderDetail } from './order-types';

/** Everything the reader may see of `order`. */
export function OrderContentView(props: { readonly order: OrderDetail; readonly nameOf: (id: string) => string }) {
  const { order } = props;
  const { content } = order;
  return (
    <>
      <section className="card stack" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className="facts">
          <dt>State</dt>
          <dd>
            <StateBadge state={order.state} heldFrom={order.heldFrom} />
          </dd>
          <dt>Item</dt>
          <dd>
            {content.item.code} rev {content.item.revision}
          </dd>
          <dt>Quantity</dt>
          <dd>
            {content.quantity.value} {content.quantity.unit}
          </dd>
          <dt>Due</dt>
          <dd>
            {formatDateTime(content.dueWindow.start)} to {formatDateTime(content.dueWindow.end)}
          </dd>
          <dt>Priority</dt>
          <dd>{content.priority}</dd>
          <dt>Work center</dt>
          <dd>{props.nameOf(content.workCenterId)}</dd>
          {content.customerReference !== undefined && (
            <>
              <dt>Customer reference</dt>
              <dd>{content.customerReference ?? 'None'}</dd>
            </>
          )}
          <dt>Revision</dt>
          <dd>{order.revision}</dd>
          <dt>Content hash</dt>
          <dd>
            <code className="hash">{order.contentHash}</code>
          </dd>
          {content.notes !== null && (
            <>
              <dt>Notes</dt>
              <dd>{content.notes}</dd>
            </>
          )}
        </dl>
      </section>
      <section className="card stack" aria-labelledby="routing-heading">
        <h2 id="routing-heading">Operations</h2>
        <ul className="plain-list" aria-label="Operations">
          {content.operations.map((operation) => (
            <li key={operation.seq}>
              <strong>{operation.seq}</strong> {operation.code}: {operation.description}
            </li>
          ))}
        </ul>
      </section>
      <section className="card stack" aria-labelledby="bom-heading">
        <h2 id="bom-heading">Materials</h2>
        {content.materials.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="plain-list" aria-label="Materials">
            {content.materials.map((material) => (
              <li key={material.line}>
                <strong>{material.line}</strong> {material.itemCode}: {material.quantity.value} {material.quantity.unit}
                {material.lotTracked ? ', lot tracked' : ''}
                {material.operationSeq !== undefined ? `, for operation ${material.operationSeq}` : ''}
              </li>
            ))}
          </ul>
        )}
      </section>
      {content.parameters !== undefined && (
        <section className="card stack" aria-labelledby="parameters-view-heading">
          <h2 id="parameters-view-heading">Parameters</h2>
          <p>Recipe: {content.parameters.recipe ?? 'None'}</p>
          {content.parameters.setpoints.length > 0 && (
            <ul className="plain-list" aria-label="Setpoints">
              {content.parameters.setpoints.map((setpoint) => (
                <li key={setpoint.name}>
                  {setpoint.name}: {setpoint.value} {setpoint.unit ?? ''}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {order.signatures.length > 0 && (
        <section className="card stack" aria-labelledby="signatures-heading">
          <h2 id="signatures-heading">Electronic signatures</h2>
          <ul className="plain-list" aria-label="Signatures">
            {order.signatures.map((signature) => (
              <li key={`${signature.action}-${signature.signedAt}`}>
                {signature.signer} signed {signature.action} of revision {signature.revision} on {formatDateTime(signature.signedAt)}, meaning “{signature.meaning}”.{' '}
                <code className="hash">{signature.contentHash}</code>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
