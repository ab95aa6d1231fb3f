// Files the engine sends the UI arrive as base64 ({ fileName, mime, base64 }, e.g. an exported map or
// dream) and leave as an ordinary download: the browser saves it in browser mode, and Electron's main
// process handles the same download (its save dialog), so neither service needs to know which shell it runs in.

/** The bytes of a base64 string (a fresh buffer, so typed-array views of it start at offset 0). */
export function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

export function downloadBase64(file: { fileName: string; mime: string; base64: string }): void {
  downloadBlob(new Blob([base64Bytes(file.base64)], { type: file.mime }), file.fileName);
}

/** A file made in the page (e.g. a canvas's PNG) as a download. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // the download has started reading the blob by now; keep the URL a while for slow starts
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
