import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { Principal } from '../auth/accounts';
import { systemClock } from '../clock';
import {
  CboExtendInput,
  CboInput,
  CboRevokeInput,
  PhotoInput,
  ShareInput,
  SubjectInput,
  SubjectPatch,
  SubjectQuery,
  UnwatchInput,
  WatchInput,
  WithdrawInput,
} from '../contract/tracking';
import { ApiError, Errors } from '../http/errors';
import { areaProblems, siteBounds, type Bounds } from '../tracking/areas';
import type { CboRecord } from '../tracking/cbo';
import { accessTo, searchSubjects, subjectView, type Access, type SubjectRecord, type SubjectView } from '../tracking/gallery';
import { PHOTO_REF } from '../projections/subjects';
import { PhotoError, stripPhotoMetadata, type PhotoType } from '../tracking/photo';
import { makeThumbnail } from '../tracking/thumbnail';
import { parseInput, requirePermission } from './guard';
import type { TrackingDeps } from './tracking-common';

/**
 * The gallery and the orders, through the application API. Every view of a subject by a
 * person is journaled (`subject.viewed`, with the fields shown), so "who looked at this
 * person, and what did they see" is one query on `ref`.
 */
const MAX_PHOTO_BYTES = 6 * 1024 * 1024;
const MAX_SHARE_DAYS = 366;
const MAX_SHARE_MS = MAX_SHARE_DAYS * 86_400_000;

export class SubjectsApi {
  private boundsCache: Bounds | null = null;

  constructor(private readonly deps: TrackingDeps & { log: Logger }) {}

  /** Where a drawn area may lie: around the site's zones, premises and cameras. */
  private get bounds(): Bounds {
    return (this.boundsCache ??= siteBounds(this.deps.config));
  }

  private now(): number {
    return (this.deps.clock ?? systemClock).now();
  }

  private access(actor: Principal, s: SubjectRecord): Access | null {
    return accessTo(actor.consoleRole, s, this.now());
  }

  /** A share's expiry: in the future, and not so far that it is a share without an end. */
  private shareExpiry(until: string, field: string): void {
    const t = Date.parse(until);
    if (t <= this.now()) throw Errors.invalid([`${field}: the share must end in the future`]);
    if (t > this.now() + MAX_SHARE_MS) throw Errors.invalid([`${field}: a share with members lasts at most ${MAX_SHARE_DAYS} days; renew it then`]);
  }

  private async viewed(user: string, shown: Array<{ s: SubjectRecord; access: Access }>, via: string, query?: unknown): Promise<void> {
    await Promise.all(
      shown.map(({ s, access }) =>
        this.deps.journal.append({
          source: 'api',
          type: 'subject.viewed',
          actor: user,
          subject: `subject:${s.id}`,
          ref: s.id,
          payload: { subjectId: s.id, fields: access, via, ...(query ? { query } : {}) },
        }),
      ),
    );
  }

  private viewOf(s: SubjectRecord, access: Access): SubjectView {
    return subjectView(s, access, this.deps.projections.cbos.forSubject(s.id));
  }

  /** A search (by description words and feature tags) or, without a query, the whole gallery the role may see. */
  async list(actor: Principal, query: unknown): Promise<SubjectView[]> {
    const user = requirePermission(actor, 'subjects.view', 'see subjects');
    const q = parseInput(SubjectQuery, query ?? {});
    const features = q.features
      ? q.features
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : [];
    const watched = q.watched === 'true';
    const found = searchSubjects(this.deps.projections.subjects.all(), { text: q.q, features }, (s) => {
      const access = this.access(actor, s);
      // The watch list is not shared with members: asking for it shows them nobody.
      return watched && (access !== 'full' || !s.watch) ? null : access;
    }).slice(0, q.limit);
    const shown = found.map((s) => ({ s, access: this.access(actor, s)! }));
    await this.viewed(
      user,
      shown,
      q.q || features.length ? 'search' : watched ? 'watch-list' : 'list',
      q.q || features.length ? { q: q.q ?? null, features } : undefined,
    );
    return shown.map(({ s, access }) => this.viewOf(s, access));
  }

  async view(actor: Principal, id: string): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.view', 'see subjects');
    const s = this.deps.projections.subjects.get(id);
    const access = s ? this.access(actor, s) : null;
    // Not shared with this member: as if it did not exist, so ids cannot be probed.
    if (!s || !access) throw Errors.notFound(`subject ${id}`);
    await this.viewed(user, [{ s, access }], 'get');
    return this.viewOf(s, access);
  }

  async create(actor: Principal, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.edit', 'add subjects');
    const body = parseInput(SubjectInput, input);
    if (body.sharedWithMembersUntil !== null) {
      if (!body.sharedWithMembers) throw Errors.invalid(['sharedWithMembersUntil: only for a subject shared with members']);
      this.shareExpiry(body.sharedWithMembersUntil, 'sharedWithMembersUntil');
    }
    const subjectId = `subj-${ulid().toLowerCase()}`;
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.created',
      actor: user,
      subject: `subject:${subjectId}`,
      ref: subjectId,
      payload: { subjectId, ...body },
    });
    return this.viewOf(this.deps.projections.subjects.get(subjectId)!, 'full');
  }

  async update(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.edit', 'edit subjects');
    const changes = parseInput(SubjectPatch, input);
    // Sharing with members is its own decision, with an expiry (share); an edit may only end it.
    if (changes.sharedWithMembers === true)
      throw Errors.invalid([`sharedWithMembers: share with members through POST /api/subjects/${id}/share, with an expiry`]);
    const s = this.deps.projections.subjects.get(id);
    if (!s) throw Errors.notFound(`subject ${id}`);
    if ((changes.status ?? s.status) === 'known' && (changes.name === undefined ? s.name : changes.name) === null) {
      throw Errors.invalid(['name: a known subject needs a name']);
    }
    // Shared with the region before or after: the update leaves the site, so the region also
    // learns when a subject stops being shared (and withdraws it).
    const sharedRegionally = s.sharedRegionally || changes.sharedRegionally === true;
    // Shared from now on: the region has not seen this person yet, so the update carries the
    // record as the region may hold it (never photo, markers or birth date).
    const nowShared = !s.sharedRegionally && changes.sharedRegionally === true;
    const shared = nowShared ? { status: s.status, name: s.name, aliases: s.aliases, description: s.description, features: s.features } : undefined;
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.updated',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, changes, sharedRegionally, shared },
    });
    return this.viewOf(this.deps.projections.subjects.get(id)!, 'full');
  }

  private subject(id: string): SubjectRecord {
    const s = this.deps.projections.subjects.get(id);
    if (!s) throw Errors.notFound(`subject ${id}`);
    return s;
  }

  /**
   * A photo of the subject, stored content-addressed once its metadata (GPS, camera, owner,
   * times) is stripped; the journal records its hash and what was taken out.
   */
  async setPhoto(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.edit', 'add photos of subjects');
    const { image } = parseInput(PhotoInput, input);
    this.subject(id);
    const store = this.deps.photos;
    if (!store) throw new ApiError('TW_UNAVAILABLE', 'this gateway does not store photos', 503);
    let photo;
    try {
      photo = stripPhotoMetadata(Buffer.from(image, 'base64'));
    } catch (err) {
      if (err instanceof PhotoError) throw Errors.invalid([`image: ${err.message}`]);
      throw err;
    }
    if (photo.bytes.length > MAX_PHOTO_BYTES) throw Errors.invalid([`image: at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB`]);
    const { sha256, size } = await store.put(photo.bytes);
    // Lists show the thumbnail; without one (no ffmpeg, a photo it cannot read) they show the photo.
    const thumb = await makeThumbnail(photo.bytes, photo.contentType, this.deps.config.cctv.ffmpegPath).then(
      (bytes) => store.put(bytes),
      (err: unknown) => {
        this.deps.log.warn({ err, subjectId: id }, 'no thumbnail for a subject photo');
        return null;
      },
    );
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.photo-set',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, sha256, contentType: photo.contentType, size, removed: photo.removed, thumbSha256: thumb?.sha256 ?? null },
    });
    return this.viewOf(this.subject(id), 'full');
  }

  /**
   * The photo, or its thumbnail (the photo itself when it has none), to a role that may see the
   * subject; each look is journaled like a view of the record.
   */
  async photo(actor: Principal, id: string, size: 'full' | 'thumb' = 'full'): Promise<{ contentType: PhotoType; bytes: Buffer }> {
    const user = requirePermission(actor, 'subjects.view', 'see subjects');
    const s = this.deps.projections.subjects.get(id);
    const access = s ? this.access(actor, s) : null;
    if (!s || !access) throw Errors.notFound(`subject ${id}`);
    const ref = (size === 'thumb' && s.thumbRef) || s.photoRef;
    const bytes = ref?.startsWith(PHOTO_REF) ? await this.deps.photos?.get(ref.slice(PHOTO_REF.length)) : null;
    if (!bytes) throw Errors.notFound(`photo of subject ${id}`);
    await this.viewed(user, [{ s, access }], 'photo');
    return { contentType: bytes[0] === 0xff ? 'image/jpeg' : 'image/png', bytes };
  }

  /** Members see the subject (description, photo, orders shared with them) until `until`. */
  async share(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.share', 'share subjects with members');
    const { until, note } = parseInput(ShareInput, input);
    this.subject(id);
    this.shareExpiry(until, 'until');
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.shared',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, until, note: note ?? null },
    });
    return this.viewOf(this.subject(id), 'full');
  }

  /** Members stop seeing the subject now. */
  async withdraw(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.share', 'withdraw subjects from members');
    const { reason } = parseInput(WithdrawInput, input);
    const s = this.subject(id);
    if (!s.sharedWithMembers) throw new ApiError('TW_CONFLICT', 'this subject is not shared with members', 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.withdrawn',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, reason },
    });
    return this.viewOf(this.subject(id), 'full');
  }

  async watch(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.edit', 'put subjects on the watch list');
    const { reason } = parseInput(WatchInput, input);
    if (this.subject(id).watch) throw new ApiError('TW_CONFLICT', 'this subject is already on the watch list', 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.watched',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, reason },
    });
    return this.viewOf(this.subject(id), 'full');
  }

  async unwatch(actor: Principal, id: string, input: unknown): Promise<SubjectView> {
    const user = requirePermission(actor, 'subjects.edit', 'take subjects off the watch list');
    const { note } = parseInput(UnwatchInput, input ?? {});
    if (!this.subject(id).watch) throw new ApiError('TW_CONFLICT', 'this subject is not on the watch list', 409);
    await this.deps.journal.append({
      source: 'api',
      type: 'subject.unwatched',
      actor: user,
      subject: `subject:${id}`,
      ref: id,
      payload: { subjectId: id, note: note ?? null },
    });
    return this.viewOf(this.subject(id), 'full');
  }

  /** Orders as a role may see them: all for full-access roles; for members, issued orders shared with them. */
  listCbos(actor: Principal): CboRecord[] {
    requirePermission(actor, 'subjects.view', 'see orders');
    const full = actor.consoleRole !== 'member';
    return this.deps.projections.cbos.snapshot().filter((c) => full || (c.sharedWithMembers && (c.state === 'issued' || c.state === 'extended')));
  }

  private cbo(id: string): CboRecord {
    const c = this.deps.projections.cbos.get(id);
    if (!c) throw Errors.notFound(`order ${id}`);
    return c;
  }

  async createCbo(actor: Principal, input: unknown): Promise<CboRecord> {
    const user = requirePermission(actor, 'subjects.edit', 'record orders');
    const { state, ...terms } = parseInput(CboInput, input);
    const { config, projections } = this.deps;
    const issues = [
      ...(projections.subjects.has(terms.subjectId) ? [] : [`subjectId: unknown subject "${terms.subjectId}"`]),
      ...terms.excludedZones.filter((z) => !config.zones.some((c) => c.id === z)).map((z) => `excludedZones: unknown zone "${z}"`),
      ...terms.excludedPremises.filter((p) => !config.premises.some((c) => c.id === p)).map((p) => `excludedPremises: unknown premises "${p}"`),
      ...terms.excludedAreas.flatMap((a, i) => areaProblems(a.polygon, this.bounds).map((m) => `excludedAreas.${i} ("${a.name}"): ${m}`)),
    ];
    if (issues.length) throw Errors.invalid(issues);
    const cboId = `cbo-${ulid().toLowerCase()}`;
    await this.deps.journal.append({
      source: 'api',
      type: `cbo.${state}`,
      actor: user,
      subject: `subject:${terms.subjectId}`,
      ref: cboId,
      payload: { cboId, terms, sharedRegionally: this.deps.projections.subjects.sharedRegionally(terms.subjectId) },
    });
    return structuredClone(this.cbo(cboId));
  }

  private async transition(
    user: string,
    c: CboRecord,
    state: 'issued' | 'extended' | 'revoked',
    extra: { expiresAt?: string; previousExpiresAt?: string; reason?: string },
  ): Promise<CboRecord> {
    await this.deps.journal.append({
      source: 'api',
      type: `cbo.${state}`,
      actor: user,
      subject: `subject:${c.subjectId}`,
      ref: c.id,
      payload: { cboId: c.id, ...extra, sharedRegionally: this.deps.projections.subjects.sharedRegionally(c.subjectId) },
    });
    return structuredClone(this.cbo(c.id));
  }

  /** A warning (exclusion notice) becomes an order in force. */
  async issueCbo(actor: Principal, id: string): Promise<CboRecord> {
    const user = requirePermission(actor, 'subjects.edit', 'issue orders');
    const c = this.cbo(id);
    if (c.state !== 'warning') throw new ApiError('TW_CONFLICT', `order is ${c.state}, not a warning`, 409);
    return this.transition(user, c, 'issued', {});
  }

  async extendCbo(actor: Principal, id: string, input: unknown): Promise<CboRecord> {
    const user = requirePermission(actor, 'subjects.edit', 'extend orders');
    const { expiresAt } = parseInput(CboExtendInput, input);
    const c = this.cbo(id);
    if (c.state !== 'issued' && c.state !== 'extended') throw new ApiError('TW_CONFLICT', `order is ${c.state}: only an order in force can be extended`, 409);
    if (Date.parse(expiresAt) <= Date.parse(c.expiresAt)) throw Errors.invalid([`expiresAt: must be after the current expiry ${c.expiresAt}`]);
    return this.transition(user, c, 'extended', { expiresAt, previousExpiresAt: c.expiresAt });
  }

  async revokeCbo(actor: Principal, id: string, input: unknown): Promise<CboRecord> {
    const user = requirePermission(actor, 'subjects.edit', 'revoke orders');
    const { reason } = parseInput(CboRevokeInput, input);
    const c = this.cbo(id);
    if (c.state === 'revoked' || c.state === 'expired') throw new ApiError('TW_CONFLICT', `order is already ${c.state}`, 409);
    return this.transition(user, c, 'revoked', { reason });
  }
}
