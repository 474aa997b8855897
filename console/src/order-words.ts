import type { CboView, OrderKind, TimeWindow } from '../../gateway/contract/tracking-views';

/**
 * Orders as a control room and a shop say them: the kind in words, the court or notice
 * reference, the places by name, the hours it applies. Names, not ids.
 */
export const ORDER_KIND_WORDS: ReadonlyArray<[OrderKind, string, string]> = [
  ['cbo', 'CBO', 'Criminal Behaviour Order'],
  ['exclusion-notice', 'Exclusion notice', "the partnership's exclusion notice"],
  ['cpw', 'CPW', 'Community Protection Warning'],
  ['cpn', 'CPN', 'Community Protection Notice'],
];

/** "CBO", "CPW"…: short, for lists and the map. Journals from before kinds hold CBOs. */
export function orderKindShort(kind: OrderKind | undefined): string {
  return ORDER_KIND_WORDS.find(([k]) => k === (kind ?? 'cbo'))?.[1] ?? 'Order';
}

export const STAGE_WORDS: Record<string, string> = {
  warning: 'warning',
  issued: 'in force',
  extended: 'extended',
  revoked: 'revoked',
  expired: 'expired',
};

/** "CBO DT/0099", or "CBO without a reference". */
export function orderTitle(c: Pick<CboView, 'kind' | 'reference'>): string {
  return `${orderKindShort(c.kind)} ${c.reference ?? 'without a reference'}`;
}

const DAY_WORDS: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** "20:00–06:00 Fri, Sat" or "at all times". */
export function windowsText(windows: readonly TimeWindow[]): string {
  if (windows.length === 0) return 'at all times';
  return windows.map((w) => `${w.from}–${w.to}${w.days.length ? ` ${w.days.map((d) => DAY_WORDS[d] ?? d).join(', ')}` : ''}`).join('; ');
}

/** The excluded places by name: zones, premises, drawn areas. */
export function placesText(
  c: Pick<CboView, 'excludedZones' | 'excludedPremises' | 'excludedAreas'>,
  site: { zones: ReadonlyArray<{ id: string; name: string }>; premises: ReadonlyArray<{ id: string; name: string }> },
): string {
  const names = [
    ...c.excludedZones.map((z) => site.zones.find((x) => x.id === z)?.name ?? 'a zone no longer on the map'),
    ...c.excludedPremises.map((p) => site.premises.find((x) => x.id === p)?.name ?? 'a former member'),
    ...c.excludedAreas.map((a) => a.name),
  ];
  return names.join(', ') || 'no places';
}
