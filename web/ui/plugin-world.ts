/** The read-only copy of the world plugins with world:read get each frame (plugin API 1, docs/plugins.md). */
import type { WorldView } from '../world/world-snapshot';

/** One person in the copy. */
export interface PluginPerson {
  name: string;
  position: [number, number, number];
  self: boolean;
}

/** The world copy: where you are, who is around. Plain JSON; the sandbox freezes it. */
export interface PluginWorldCopy {
  world: { kind: 'fv' | 'os'; name: string; size: [number, number] } | null;
  self: PluginPerson | null;
  people: PluginPerson[];
  connection: WorldView['connection']['state'];
}

const person = (p: { name: string; position: [number, number, number]; self: boolean }): PluginPerson => ({
  name: p.name,
  position: [p.position[0], p.position[1], p.position[2]],
  self: p.self,
});

/** The copy of a HUD snapshot. */
export function pluginWorldCopy(view: WorldView): PluginWorldCopy {
  return {
    world: view.world ? { kind: view.world.kind, name: view.world.name, size: [view.world.size[0], view.world.size[1]] } : null,
    self: view.self ? person(view.self) : null,
    people: view.people.map(person),
    connection: view.connection.state,
  };
}
