import type { ReactNode } from 'react';
import {
  Checkbox as AriaCheckbox,
  Radio as AriaRadio,
  Button,
  FieldError,
  Input,
  Label,
  ListBox,
  ListBoxItem,
  Popover,
  Select,
  SelectValue,
  Text,
  TextArea,
  TextField,
  type TextFieldProps,
} from 'react-aria-components';

interface FieldProps extends Omit<TextFieldProps, 'children'> {
  label: string;
  description?: ReactNode;
  multiline?: boolean;
  type?: string;
  placeholder?: string;
  min?: string;
  /** A problem found on submit (by the form or the server), shown under the field. */
  problem?: string | undefined;
}

/** A labelled text field with its description and the browser's or the server's error. */
export function Field({
  label,
  description,
  multiline,
  type,
  placeholder,
  min,
  problem,
  ...props
}: FieldProps) {
  return (
    <TextField className="field" {...props} isInvalid={problem !== undefined || props.isInvalid}>
      <Label>{label}</Label>
      {multiline ? (
        <TextArea placeholder={placeholder} rows={3} />
      ) : (
        <Input type={type} placeholder={placeholder} min={min} />
      )}
      {description && <Text slot="description">{description}</Text>}
      <FieldError className="field-error">{problem}</FieldError>
    </TextField>
  );
}

export function Radio({
  value,
  children,
  isDisabled,
}: {
  value: string;
  children: ReactNode;
  isDisabled?: boolean;
}) {
  return (
    <AriaRadio value={value} className="choice" isDisabled={isDisabled}>
      <span className="choice-mark choice-mark-radio" aria-hidden="true" />
      <span>{children}</span>
    </AriaRadio>
  );
}

export function Checkbox({
  value,
  children,
  ...props
}: {
  value?: string;
  children: ReactNode;
  isSelected?: boolean;
  onChange?: (selected: boolean) => void;
  isDisabled?: boolean;
}) {
  return (
    <AriaCheckbox value={value} className="choice" {...props}>
      {({ isSelected }) => (
        <>
          {/* A tick, not a filled square: a filled square reads as "partly chosen". */}
          <span className="choice-mark" aria-hidden="true">
            {isSelected && (
              <svg className="choice-tick" viewBox="0 0 16 16" focusable="false" aria-hidden="true">
                <polyline points="3.5 8.5 6.5 11.5 12.5 4.5" />
              </svg>
            )}
          </span>
          <span>{children}</span>
        </>
      )}
    </AriaCheckbox>
  );
}

/** A labelled drop-down of fixed choices: `[value, label]` pairs. */
export function Choice<V extends string>({
  label,
  choices,
  value,
  onChange,
  hideLabel,
  className = 'field',
  placeholder,
}: {
  label: string;
  choices: readonly (readonly [V, string])[];
  value: NoInfer<V> | null;
  onChange(value: NoInfer<V>): void;
  hideLabel?: boolean;
  className?: string;
  placeholder?: string;
}) {
  return (
    <Select
      className={className}
      selectedKey={value}
      placeholder={placeholder}
      onSelectionChange={(key) => key !== null && onChange(String(key) as V)}
    >
      <Label className={hideLabel ? 'visually-hidden' : undefined}>{label}</Label>
      <Button className="select-button">
        <SelectValue />
        <span aria-hidden="true">▾</span>
      </Button>
      <Popover className="popover">
        <ListBox className="listbox">
          {choices.map(([id, text]) => (
            <ListBoxItem key={id} id={id} textValue={text} className="listbox-item">
              {text}
            </ListBoxItem>
          ))}
        </ListBox>
      </Popover>
    </Select>
  );
}
