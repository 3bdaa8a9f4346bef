/** Hover texts (SL's floating text over objects): the snapshot's points projected with the render worker's camera. */
import { For } from 'solid-js';
import type { HoverTextView } from '../../world/world-snapshot';
import { placeHoverTexts } from '../hover-text';

export function HoverTexts(props: { texts: HoverTextView[]; viewProj: number[] | null; width: number; height: number }) {
  const placed = () => placeHoverTexts(props.texts, props.viewProj, props.width, props.height);
  return (
    <For each={placed()}>
      {(t) => (
        <div
          class="sc-hovertext"
          data-testid="hover-text"
          data-id={t.id}
          style={{ left: `${t.x}px`, top: `${t.y}px`, color: t.color, opacity: t.opacity.toFixed(3) }}
        >
          {t.text}
        </div>
      )}
    </For>
  );
}
