import { useState } from 'react';
import { Button } from 'react-aria-components';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      // Denied (no permission, not focused): fall back to a selection copy.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'visually-hidden';
  document.body.append(area);
  area.select();
  const copied = document.execCommand('copy');
  area.remove();
  if (!copied) throw new Error('copy refused');
}

/**
 * Copying with its outcome said in a live region (`status`, placed by the caller), so that a
 * screen reader hears it and a refused copy tells what to do instead.
 */
export function useCopy(refusedHint: string) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return {
    copy: (text: string) =>
      copyText(text).then(
        () => setCopied('yes'),
        () => setCopied('failed'),
      ),
    status: (
      <p role="status" className="muted">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'failed' && `Copying was refused: ${refusedHint}`}
      </p>
    ),
  };
}

/** A button that copies `text`, its outcome said under it. */
export function CopyButton({
  text,
  label,
  refusedHint,
}: {
  text: string;
  /** The button's name, e.g. "Copy the GitHub Actions job". */
  label: string;
  refusedHint: string;
}) {
  const { copy, status } = useCopy(refusedHint);
  return (
    <div className="copy-row">
      <Button className="button" onPress={() => copy(text)}>
        {label}
      </Button>
      {status}
    </div>
  );
}
