import { type ReactNode, useState } from 'react';
import { Button, Dialog, Heading, Modal, ModalOverlay } from 'react-aria-components';
import { ErrorNotice } from './feedback.js';

interface ConfirmProps {
  isOpen: boolean;
  onOpenChange(open: boolean): void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** Destructive actions get the danger style. */
  danger?: boolean;
  onConfirm(): Promise<unknown>;
}

/**
 * A modal that asks before an action: focus moves into it and is kept there, Escape
 * cancels, and a failure is shown in the dialog rather than losing it.
 */
export function Confirm({
  isOpen,
  onOpenChange,
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
}: ConfirmProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function confirm(close: () => void) {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }
  return (
    <ModalOverlay
      className="modal-overlay"
      isOpen={isOpen}
      onOpenChange={(open) => {
        if (!open) setError(null);
        onOpenChange(open);
      }}
      isDismissable
    >
      <Modal className="modal">
        <Dialog role="alertdialog" className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title">{title}</Heading>
              {children}
              <ErrorNotice error={error} />
              <div className="actions">
                <Button className="button button-quiet" onPress={close}>
                  Cancel
                </Button>
                <Button
                  className={danger ? 'button button-danger' : 'button button-primary'}
                  isDisabled={busy}
                  onPress={() => confirm(close)}
                >
                  {confirmLabel}
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </ModalOverlay>
  );
}
