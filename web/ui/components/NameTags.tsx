/** Names over avatars: people's positions projected with the render worker's camera. */
import { For } from 'solid-js';
import type { PersonView } from '../../world/world-snapshot';
import { projectToScreen } from '../project';

/** Avatar centres are half a height above the feet; the tag sits just above the head. */
const TAG_HEIGHT = 1.15;

export function NameTags(props: { people: PersonView[]; viewProj: number[] | null; width: number; height: number }) {
  const tags = () => {
    const vp = props.viewProj;
    if (!vp) return [];
    return props.people.flatMap((p) => {
      const at = projectToScreen(vp, [p.position[0], p.position[1], p.position[2] + TAG_HEIGHT], props.width, props.height);
      return at ? [{ id: p.id, name: p.name, self: p.self, x: at[0], y: at[1] }] : [];
    });
  };
  return (
    <For each={tags()}>
      {(t) => (
        <div class="sc-nametag" data-testid="name-tag" data-self={String(t.self)} style={{ left: `${t.x}px`, top: `${t.y}px` }}>
          {t.name}
        </div>
      )}
    </For>
  );
}
