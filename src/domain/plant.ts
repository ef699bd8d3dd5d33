import { z } from 'zod';
import { code, text } from './text.js';

/** The ISA-95 equipment hierarchy levels, outermost first. */
export const PLANT_LEVELS = ['enterprise', 'site', 'area', 'work-center', 'work-unit'] as const;

/** One of {@link PLANT_LEVELS}. */
export type PlantLevel = (typeof PLANT_LEVELS)[number];

/** A node of the equipment hierarchy, as stored. `path` lists ancestor ids and its own, outermost first. */
export interface PlantNode {
  readonly id: string;
  readonly kind: PlantLevel;
  readonly code: string;
  readonly name: string;
  readonly parentId: string | null;
  readonly path: readonly string[];
}

/** The level a child of `parent` must have, or null under a work unit (a leaf). */
export function childLevel(parent: PlantLevel): PlantLevel | null {
  return PLANT_LEVELS[PLANT_LEVELS.indexOf(parent) + 1] ?? null;
}

interface PlantDescriptionNode {
  code: string;
  name: string;
  children?: PlantDescriptionNode[] | undefined;
}

const plantDescriptionNode: z.ZodType<PlantDescriptionNode> = z.lazy(() =>
  z.strictObject({
    code: code(32),
    name: text(120),
    children: z.array(plantDescriptionNode).max(500).optional(),
  }),
);

/**
 * A plant description as `forgeline plant import` and `POST /api/v1/plant` take it:
 * the enterprise with nested sites, areas, work centers and work units.
 */
export const plantDescriptionSchema = z.strictObject({
  enterprise: z.strictObject({
    code: code(32),
    name: text(120),
    sites: z.array(plantDescriptionNode).min(1).max(200),
  }),
});

/** A parsed plant description. */
export type PlantDescription = z.infer<typeof plantDescriptionSchema>;

/** A node of a plant description flattened with its level and parent code path, for import. */
export interface FlatPlantNode {
  readonly kind: PlantLevel;
  readonly code: string;
  readonly name: string;
  /** Codes from the enterprise down to this node, e.g. ["acme", "berlin", "press", "wc-1"]. */
  readonly codePath: readonly string[];
}

/**
 * Flattens a description parents-first; fails when nesting goes deeper than a work unit
 * or a code repeats among siblings.
 */
export function flattenPlant(description: PlantDescription): { nodes: FlatPlantNode[] } | { error: string } {
  const { enterprise } = description;
  const nodes: FlatPlantNode[] = [{ kind: 'enterprise', code: enterprise.code, name: enterprise.name, codePath: [enterprise.code] }];
  const walk = (children: readonly PlantDescriptionNode[], parentLevel: PlantLevel, parentPath: readonly string[]): string | null => {
    const level = childLevel(parentLevel);
    if (level === null) return `${parentPath.join('/')}: a work unit has no children`;
    const seen = new Set<string>();
    for (const child of children) {
      if (seen.has(child.code)) return `${parentPath.join('/')}: code ${child.code} appears twice`;
      seen.add(child.code);
      const codePath = [...parentPath, child.code];
      nodes.push({ kind: level, code: child.code, name: child.name, codePath });
      const problem = child.children ? walk(child.children, level, codePath) : null;
      if (problem) return problem;
    }
    return null;
  };
  const problem = walk(enterprise.sites, 'enterprise', [enterprise.code]);
  return problem ? { error: problem } : { nodes };
}
