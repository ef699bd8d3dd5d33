/** The plant's nodes for the admin pages: scopes and work centers shown by name, not by id. */
import { useMemo } from 'react';
import { roleName } from '../format';
import type { RoleAssignment } from '../types';
import { useLoaded } from '../use-loaded';
import { listPlant } from './admin-api';
import type { PlantNode } from './admin-types';

/** What {@link usePlant} answers: the nodes (parents before children) once loaded, and names by id. */
export interface PlantNames {
  readonly nodes: readonly PlantNode[];
  readonly error: unknown;
  /** The node's name, or its id while the plant is loading or when it is unknown. */
  nameOf(id: string): string;
  /** A role with its scope by name: "Operator in Milling", "Planner, enterprise-wide". */
  describe(assignment: RoleAssignment): string;
}

/** Loads the plant once per page. */
export function usePlant(): PlantNames {
  const { value, error } = useLoaded<readonly PlantNode[]>(listPlant);
  return useMemo(() => {
    const nodes = value ?? [];
    const byId = new Map(nodes.map((node) => [node.id, node]));
    const nameOf = (id: string) => byId.get(id)?.name ?? id;
    const describe = (assignment: RoleAssignment) =>
      assignment.scopeNodeId === null ? `${roleName(assignment.role)}, enterprise-wide` : `${roleName(assignment.role)} in ${nameOf(assignment.scopeNodeId)}`;
    return { nodes, error, nameOf, describe };
  }, [value, error]);
}

/** A node as a choice in a list: its name and level ("Milling (work-center)"), in tree order. */
export function nodeLabel(node: PlantNode): string {
  return `${node.name} (${node.kind})`;
}
