/** A photo the gateway stores and serves (its reference is its hash): a subject's, or one a shop attached to a report. */
export const PHOTO_REF = 'sha256:';

/** A file as base64, without the `data:…;base64,` prefix. */
export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      typeof reader.result === 'string' ? resolve(reader.result.replace(/^data:[^,]*,/, '')) : reject(new Error('the photo could not be read'));
    reader.onerror = () => reject(reader.error ?? new Error('the photo could not be read'));
    reader.readAsDataURL(file);
  });
}

/** Where the gateway serves a report's photo (`sha256:<hash>` in its media), or null for another kind of reference. */
export function reportPhotoUrl(reportId: string, ref: string): string | null {
  return ref.startsWith(PHOTO_REF) ? `/api/reports/${encodeURIComponent(reportId)}/photos/${ref.slice(PHOTO_REF.length)}` : null;
}
