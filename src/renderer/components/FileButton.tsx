import { useRef } from 'react';

/**
 * A button that opens a file chooser. In Electron `onNative` shows the native dialog (returns true when it
 * handled the click); in the browser a hidden <input type=file> is used and its files go to `onFiles`.
 */
export function FileButton(props: {
  label: string;
  accept: string;
  multiple?: boolean;
  /** browser only: choose a whole folder (webkitdirectory); its files go to onFiles */
  directory?: boolean;
  disabled?: boolean;
  testId: string;
  className?: string;
  onFiles: (files: File[]) => void;
  onNative?: () => Promise<boolean>;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        className={props.className ?? 'button'}
        disabled={props.disabled}
        data-testid={`${props.testId}-button`}
        onClick={async () => {
          if (props.onNative && (await props.onNative())) return;
          input.current?.click();
        }}
      >
        {props.label}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        accept={props.accept}
        multiple={props.multiple}
        {...(props.directory ? { webkitdirectory: '' } : {})}
        data-testid={`${props.testId}-input`}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length) props.onFiles(files);
        }}
      />
    </>
  );
}
