import type { Principal } from '../auth/accounts';
import { actingRole, can } from '../contract/policy';
import { PhotoInput } from '../contract/tracking';
import { ApiError, Errors } from '../http/errors';
import type { JournalStore } from '../journal/store';
import { PHOTO_REF } from '../projections/subjects';
import type { PhotoStore } from '../tracking/photo-store';
import { PhotoError, stripPhotoMetadata, type PhotoType } from '../tracking/photo';
import { parseInput, requirePermission } from './guard';

/** The same bound as a subject's photo. */
const MAX_PHOTO_BYTES = 6 * 1024 * 1024;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Photos attached to a shop's report ("it's him again", with a picture from the shop's own
 * camera or phone). Uploaded first, with their metadata (GPS, camera, owner, times) stripped and
 * stored content-addressed beside subjects' photos; the report then names them in `media` as
 * `sha256:<hash>`. They are read only through the API, by the roles that see incidents and by
 * the member whose premises sent the report, and each look is journaled.
 */
export class ReportPhotos {
  constructor(private readonly deps: { journal: JournalStore; photos?: PhotoStore | undefined }) {}

  private get store(): PhotoStore {
    if (!this.deps.photos) throw new ApiError('TW_UNAVAILABLE', 'this gateway does not store photos', 503);
    return this.deps.photos;
  }

  /** Stores a photo for a report about to be sent; its reference goes in the report's `media`. */
  async upload(actor: Principal, input: unknown): Promise<{ ref: string; size: number; removed: string[] }> {
    requirePermission(actor, 'report.create', 'attach photos to reports');
    const { image } = parseInput(PhotoInput, input);
    let photo;
    try {
      photo = stripPhotoMetadata(Buffer.from(image, 'base64'));
    } catch (err) {
      if (err instanceof PhotoError) throw Errors.invalid([`image: ${err.message}`]);
      throw err;
    }
    if (photo.bytes.length > MAX_PHOTO_BYTES) throw Errors.invalid([`image: at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB`]);
    const { sha256, size } = await this.store.put(photo.bytes);
    return { ref: `${PHOTO_REF}${sha256}`, size, removed: photo.removed };
  }

  /** A report may name only photos this gateway holds (other media, a terminal's own references, pass as they are). */
  async checkRefs(media: readonly string[]): Promise<void> {
    for (const [i, ref] of media.entries()) {
      if (!ref.startsWith(PHOTO_REF)) continue;
      const sha256 = ref.slice(PHOTO_REF.length);
      if (!SHA256.test(sha256) || !(await this.store.get(sha256))) throw Errors.invalid([`media.${i}: no photo "${ref}" was uploaded`]);
    }
  }

  /** One photo of a report, to a role that sees incidents or to the member whose premises reported it; the look is journaled. */
  async read(actor: Principal, reportId: string, sha256: string): Promise<{ contentType: PhotoType; bytes: Buffer }> {
    const role = actingRole(actor);
    const report = this.deps.journal.reader.byId(reportId);
    const p = report?.type === 'shop.report' ? report.payload : null;
    const own = role === 'member' && p?.premisesId === actor.premisesId;
    // Another premises' report is as unknown to a member as one that does not exist.
    if (!p || !(can(role, 'incident.view') || own)) throw Errors.notFound(`report ${reportId}`);
    if (!SHA256.test(sha256) || !(p.media ?? []).includes(`${PHOTO_REF}${sha256}`)) throw Errors.notFound(`photo ${sha256} of report ${reportId}`);
    const bytes = await this.store.get(sha256);
    if (!bytes) throw Errors.notFound(`photo ${sha256} of report ${reportId}`);
    await this.deps.journal.append({ source: 'api', type: 'report.photo-viewed', actor: actor.username, ref: reportId, payload: { reportId, sha256 } });
    return { contentType: bytes[0] === 0xff ? 'image/jpeg' : 'image/png', bytes };
  }
}
