/** Who is here: you first, then the others by distance. */
import { For, Show } from 'solid-js';
import type { PersonView } from '../../world/world-snapshot';

export function PeopleList(props: { people: PersonView[]; self: PersonView | null }) {
  const sorted = () => {
    const me = props.self?.position;
    const dist = (p: PersonView) => (me ? Math.hypot(p.position[0] - me[0], p.position[1] - me[1]) : 0);
    return [...props.people].sort((a, b) => Number(b.self) - Number(a.self) || dist(a) - dist(b));
  };
  return (
    <section class="sc-panel sc-people" aria-label="People here" data-testid="people">
      <h2>People ({props.people.length})</h2>
      <Show when={props.people.length > 0} fallback={<p>Nobody else is here yet.</p>}>
        <ul>
          <For each={sorted()}>
            {(p) => (
              <li
                data-testid="person"
                data-self={String(p.self)}
                data-id={p.id}
                data-x={p.position[0].toFixed(2)}
                data-y={p.position[1].toFixed(2)}
              >
                {p.name}
                {p.self ? ' (you)' : ''}
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
