/** "Copy link": puts the shareable URL of the place you stand on the clipboard, and says so. */
import { createSignal } from 'solid-js';

export function CopyLinkButton(props: { url: () => string }) {
  const [copied, setCopied] = createSignal<'idle' | 'copied' | 'failed'>('idle');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.url());
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 2000);
  };
  return (
    <button type="button" data-testid="copy-link" data-url={props.url()} onClick={() => void copy()} title={props.url()}>
      {copied() === 'copied' ? 'Link copied' : copied() === 'failed' ? 'Copy failed: select the address bar' : 'Copy link'}
    </button>
  );
}
