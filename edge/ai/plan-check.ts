/**
 * The server's check of a model's answer: never trusted, it must be one JSON object of World Tool Protocol v1
 * actions (the protocol's own schema) inside the seed's bounds around the visitor: positions within the inspection
 * radius, edits only to the entities the model was shown, at most 24 creations and 32 KiB. The room then checks it
 * again as it checks any visitor's plan (permissions, prim sizes, world bounds).
 */
import {
  AI_MAX_CREATIONS,
  AI_MAX_PLAN_BYTES,
  AI_RADIUS_M,
  AiModelPlan,
  creationsOf,
  utf8Length,
  type Vec3,
  type WorldAction,
} from '../../shared/protocol';

/** Where the visitor stands and what they (and the model) may touch. */
export interface PlanContext {
  readonly center: Vec3;
  /** Ids of the entities the model was shown (within the radius). */
  readonly known: ReadonlySet<number>;
}

export type PlanCheck = { ok: true; actions: WorldAction[] } | { ok: false; errors: string[] };

/** Most errors listed back to the model or the visitor. */
const MAX_ERRORS = 8;

function distance(a: Vec3, b: Vec3): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** The answer's text checked against the schema and the bounds. */
export function checkModelPlan(text: string, ctx: PlanContext): PlanCheck {
  if (utf8Length(text) > AI_MAX_PLAN_BYTES)
    return { ok: false, errors: [`the answer is ${utf8Length(text)} bytes; a plan may be at most ${AI_MAX_PLAN_BYTES}`] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, errors: ['the answer is not JSON: answer only with the JSON object {"actions": [...]}'] };
  }
  const parsed = AiModelPlan.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues.slice(0, MAX_ERRORS).map((i) => `${i.path.join('.') || 'answer'}: ${i.message}`);
    return { ok: false, errors };
  }
  const errors: string[] = [];
  let creations = 0;
  parsed.data.actions.forEach((action, i) => {
    creations += creationsOf(action);
    const position = 'position' in action ? action.position : undefined;
    if (position !== undefined && distance(position, ctx.center) > AI_RADIUS_M)
      errors.push(
        `actions.${i} (${action.tool}): its position is ${distance(position, ctx.center).toFixed(1)} m away; at most ${AI_RADIUS_M} m`,
      );
    if ('entity' in action && !ctx.known.has(action.entity))
      errors.push(
        `actions.${i} (${action.tool}): entity ${action.entity} is not one of the entities within ${AI_RADIUS_M} m you were shown`,
      );
  });
  if (creations > AI_MAX_CREATIONS) errors.push(`the plan creates ${creations} prims; at most ${AI_MAX_CREATIONS}`);
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, MAX_ERRORS) } : { ok: true, actions: parsed.data.actions };
}
