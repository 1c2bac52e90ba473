/** Saves a blob as a file through the browser's download (works in Electron and the browser host alike). */
function saveBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The click has started the download synchronously; the URL is no longer needed after this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Saves text (a CSV export) as a file. */
export function downloadText(fileName: string, text: string, mime = 'text/csv'): void {
  saveBlob(fileName, new Blob([text], { type: `${mime};charset=utf-8` }));
}

/** Saves binary data (an exported model) as a file. */
export function downloadBytes(fileName: string, bytes: Uint8Array, mime = 'application/octet-stream'): void {
  // Copied into a plain ArrayBuffer: a view over a shared or larger buffer is not a valid BlobPart everywhere.
  saveBlob(fileName, new Blob([bytes.slice().buffer as ArrayBuffer], { type: mime }));
}
