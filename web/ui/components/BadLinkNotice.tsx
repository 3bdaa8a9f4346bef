/** Shown instead of the world when the address bar holds a link we cannot read: a plain message and a way back. */
export function BadLinkNotice(props: { link: string; message: string }) {
  return (
    <div role="alert" data-testid="bad-link" class="sc-panel sc-center">
      <h2>That link does not lead to a place</h2>
      <p>
        The link <code>{props.link.slice(0, 200)}</code> could not be read: {props.message}.
      </p>
      <p>
        <a href="#/fv/plaza" data-testid="back-to-demo">
          Go to the demo world instead
        </a>
      </p>
    </div>
  );
}
