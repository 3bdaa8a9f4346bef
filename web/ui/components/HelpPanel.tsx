/** The controls, in plain words. */
export function HelpPanel(props: { onClose: () => void }) {
  return (
    <div role="dialog" aria-label="Controls" data-testid="help-panel" class="sc-panel sc-help">
      <h2>Controls</h2>
      <dl>
        <dt>W A S D / arrow keys</dt>
        <dd>walk and turn</dd>
        <dt>Shift</dt>
        <dd>run</dd>
        <dt>F / Page Up, Page Down</dt>
        <dd>fly, up and down</dd>
        <dt>Drag with the mouse</dt>
        <dd>look around</dd>
        <dt>C</dt>
        <dd>switch between follow and free camera</dd>
        <dt>Enter</dt>
        <dd>chat</dd>
        <dt>M</dt>
        <dd>world map of an OpenSim grid: click a region to teleport there</dd>
        <dt>Touch</dt>
        <dd>the stick at the bottom left walks; drag elsewhere to look</dd>
      </dl>
      <button type="button" onClick={() => props.onClose()}>
        Close
      </button>
    </div>
  );
}
