/**
 * The agent's OPC UA address space for job control, modelled on ISA95JobOrderReceiverObjectType
 * (OPC 10031-4 v2, 6.2.1) in a Forgeline namespace with plain data types, so any controller can
 * read it without the ISA-95 structure types. Layout (string NodeIds in {@link JOB_CONTROL_NAMESPACE_URI}):
 *
 * - `JobOrderControl`: the receiver object, with the methods (`JobOrderControl.Start`, ...) and
 *   `JobOrderControl.JobOrderList` (String[]: the ids of the jobs in the list, in offer order);
 * - `JobOrders/<id>`: one object per job with `JobOrders/<id>/<Variable>` for each of
 *   {@link JOB_VARIABLES}. Everything is read-only to clients; only methods change state.
 */
import { DataType, type Namespace, type UAMethod, type UAObject, type UAVariable, Variant, VariantArrayType } from 'node-opcua';
import { JOB_COMMANDS, JOB_ORDER_STATE_NUMBERS, type JobOrder } from './job-order-book.js';

/** The namespace of Forgeline's job control nodes. */
export const JOB_CONTROL_NAMESPACE_URI = 'urn:forgeline:opcua:job-control';

/** The methods a machine calls: the ISA-95 commands plus `ReportResults`. */
export const JOB_CONTROL_METHODS = [...JOB_COMMANDS, 'ReportResults'] as const;

/** One of {@link JOB_CONTROL_METHODS}. */
export type JobControlMethod = (typeof JOB_CONTROL_METHODS)[number];

/** The variables of each job order object: name and whether it is a String array. */
export const JOB_VARIABLES = [
  'JobOrderID', 'OrderNumber', 'State', 'StateNumber', 'Substate', 'ItemCode', 'ItemRevision', 'Quantity', 'Unit',
  'Recipe', 'Setpoints', 'Operations', 'GoodQuantity', 'ScrapQuantity', 'MaterialLots',
] as const;

/** One of {@link JOB_VARIABLES}. */
export type JobVariable = (typeof JOB_VARIABLES)[number];

/** The NodeId (without namespace index) of a job's variable. */
export function jobVariableNodeId(jobOrderId: string, variable: JobVariable): string {
  return `JobOrders/${jobOrderId}/${variable}`;
}

const COMMAND_INPUTS = [
  { name: 'JobOrderID', dataType: DataType.String, description: 'The id of the job order in the JobOrderList.' },
  { name: 'Comment', dataType: DataType.LocalizedText, valueRank: 1, arrayDimensions: [0], description: 'Why the method was called; may be empty.' },
];
const RESULT_INPUTS = [
  { name: 'JobOrderID', dataType: DataType.String },
  { name: 'GoodQuantity', dataType: DataType.String, description: 'Cumulative good quantity, a decimal string such as "12.5".' },
  { name: 'ScrapQuantity', dataType: DataType.String, description: 'Cumulative scrap quantity, a decimal string.' },
  { name: 'MaterialLots', dataType: DataType.String, valueRank: 1, arrayDimensions: [0], description: 'Material lots consumed (added to those reported before).' },
];
// OPC 10031-4 v2 B.2: ReturnStatus is a UInt64 bit map; bit 0 set (value 1) means no error.
const RETURN_STATUS = [{ name: 'ReturnStatus', dataType: DataType.UInt64 }];

/** The handle the server keeps on its nodes. */
export interface JobControlNodes {
  readonly methods: ReadonlyMap<JobControlMethod, UAMethod>;
  /** Shows the jobs as they are now: creates, updates and deletes job objects and the list. */
  render(jobs: readonly JobOrder[]): void;
}

/** Builds `JobOrderControl` and the `JobOrders` folder in `namespace` under the Objects folder `objects`. */
export function buildJobControlNodes(namespace: Namespace, objects: UAObject): JobControlNodes {
  const receiver = namespace.addObject({ organizedBy: objects, browseName: 'JobOrderControl', nodeId: 's=JobOrderControl' });
  const folder = namespace.addFolder(objects, { browseName: 'JobOrders', nodeId: 's=JobOrders' });
  const methods = new Map<JobControlMethod, UAMethod>();
  for (const name of JOB_CONTROL_METHODS) {
    methods.set(name, namespace.addMethod(receiver, {
      browseName: name,
      nodeId: `s=JobOrderControl.${name}`,
      inputArguments: name === 'ReportResults' ? RESULT_INPUTS : COMMAND_INPUTS,
      outputArguments: RETURN_STATUS,
    }));
  }
  const list = readOnlyVariable(namespace, receiver, 'JobOrderList', 's=JobOrderControl.JobOrderList', stringArray([]));
  const shown = new Map<string, { object: UAObject; variables: Map<JobVariable, UAVariable> }>();

  return {
    methods,
    render(jobs) {
      for (const [id, entry] of shown) {
        if (!jobs.some((job) => job.jobOrderId === id)) {
          namespace.deleteNode(entry.object);
          shown.delete(id);
        }
      }
      for (const job of jobs) {
        let entry = shown.get(job.jobOrderId);
        if (!entry) {
          const object = namespace.addObject({
            componentOf: folder,
            // A QualifiedName object, so an id with ':' is not read as 'namespaceIndex:name'.
            browseName: { name: job.jobOrderId, namespaceIndex: namespace.index },
            nodeId: `s=JobOrders/${job.jobOrderId}` });
          const variables = new Map<JobVariable, UAVariable>();
          for (const variable of JOB_VARIABLES) {
            const nodeId = `s=${jobVariableNodeId(job.jobOrderId, variable)}`;
            variables.set(variable, readOnlyVariable(namespace, object, variable, nodeId, valueOf(job, variable)));
          }
          entry = { object, variables };
          shown.set(job.jobOrderId, entry);
        }
        for (const [variable, node] of entry.variables) node.setValueFromSource(valueOf(job, variable));
      }
      list.setValueFromSource(stringArray(jobs.map((job) => job.jobOrderId)));
    },
  };
}

function readOnlyVariable(namespace: Namespace, parent: UAObject, browseName: string, nodeId: string, value: Variant): UAVariable {
  return namespace.addVariable({
    componentOf: parent,
    browseName,
    nodeId,
    dataType: value.dataType === DataType.UInt32 ? 'UInt32' : 'String',
    valueRank: value.arrayType === VariantArrayType.Array ? 1 : -1,
    accessLevel: 'CurrentRead',
    userAccessLevel: 'CurrentRead',
    value,
  });
}

function valueOf(job: JobOrder, variable: JobVariable): Variant {
  const view = contentView(job.content);
  switch (variable) {
    case 'JobOrderID': return text(job.jobOrderId);
    case 'OrderNumber': return text(job.orderNumber);
    case 'State': return text(job.state);
    case 'StateNumber': return new Variant({ dataType: DataType.UInt32, value: JOB_ORDER_STATE_NUMBERS[job.state] });
    case 'Substate': return text(job.substate);
    case 'ItemCode': return text(view.itemCode);
    case 'ItemRevision': return text(view.itemRevision);
    case 'Quantity': return text(view.quantity);
    case 'Unit': return text(view.unit);
    case 'Recipe': return text(view.recipe);
    case 'Setpoints': return text(view.setpoints);
    case 'Operations': return text(view.operations);
    case 'GoodQuantity': return text(job.good);
    case 'ScrapQuantity': return text(job.scrap);
    case 'MaterialLots': return stringArray(job.lots);
  }
}

/**
 * What the machine needs from the verified order content: item, quantity, recipe, setpoints and
 * routing. The customer reference and notes stay with the agent. Missing fields show as ''.
 */
function contentView(content: unknown) {
  const item = field(content, 'item');
  const quantity = field(content, 'quantity');
  const parameters = field(content, 'parameters');
  const setpoints = field(parameters, 'setpoints');
  const operations = field(content, 'operations');
  return {
    itemCode: stringField(item, 'code'),
    itemRevision: stringField(item, 'revision'),
    quantity: stringField(quantity, 'value'),
    unit: stringField(quantity, 'unit'),
    recipe: stringField(parameters, 'recipe'),
    setpoints: setpoints === undefined ? '' : JSON.stringify(setpoints),
    operations: operations === undefined ? '' : JSON.stringify(operations),
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
}

function stringField(value: unknown, name: string): string {
  const found = field(value, name);
  return typeof found === 'string' ? found : '';
}

function text(value: string): Variant {
  return new Variant({ dataType: DataType.String, value });
}

function stringArray(values: readonly string[]): Variant {
  return new Variant({ dataType: DataType.String, arrayType: VariantArrayType.Array, value: [...values] });
}
