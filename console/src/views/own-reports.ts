import type { IncidentRecord } from '../../../gateway/contract/tracking-views';
import type { Ctx } from '../context';
import { clock, fill, h } from '../dom';
import { categoryName, outcomeName } from '../names';

/** An incident's states in the order it goes through them. */
const STAGES: ReadonlyArray<IncidentRecord['state']> = ['reported', 'graded', 'dispatched', 'on-scene', 'closed'];

const STATE_WORDS: Record<IncidentRecord['state'], string> = {
  reported: 'Received by the control room',
  graded: 'Being assessed',
  dispatched: 'Officers on their way',
  'on-scene': 'Officers on scene',
  closed: 'Closed',
};

/**
 * A member's own reports, newest first, with their status in words and, once closed, the
 * outcome. Live: the gateway sends the member's console each change to its premises' incidents
 * (`incidents:own`), so "Officers on their way" shows without a reload.
 */
export function ownReports(ctx: Ctx): { el: HTMLElement; set(incidents: IncidentRecord[]): void; unavailable(): void } {
  const mine = new Map<string, IncidentRecord>();
  const el = h('ol', { id: 'my-incidents', class: 'bulletin-list' });
  const row = (i: IncidentRecord) =>
    h(
      'li',
      { class: `bulletin report ${i.state}`, 'data-incident': i.incidentId, 'data-state': i.state },
      h('strong', {}, `${i.reference ? `${i.reference} ` : ''}${categoryName(i.category)}`),
      h('span', { class: 'muted' }, ` reported ${clock(i.reportedAt)}`),
      h('p', { class: 'bulletin-text' }, i.description),
      h(
        'span',
        { class: 'report-status' },
        STATE_WORDS[i.state],
        i.state === 'closed' && i.outcome ? `: ${outcomeName(i.outcome)}` : '',
        i.closedAt ? ` at ${clock(i.closedAt)}` : i.onSceneAt ? ` since ${clock(i.onSceneAt)}` : '',
      ),
    );
  const render = () => {
    const list = [...mine.values()].sort((a, b) => b.openedAt - a.openedAt).slice(0, 20);
    fill(el, list.length ? list.map(row) : h('li', { class: 'muted' }, 'None.'));
  };
  ctx.live.socket?.on('incidents:own', (changed) => {
    for (const i of changed) mine.set(i.incidentId, i);
    render();
  });
  return {
    el,
    set(incidents) {
      // A list fetched before a live change can arrive after it: an incident only moves forward
      // (reported … closed), so the further along of the two is the newer, and one the list does
      // not have yet (opened since it was read) stays.
      for (const i of incidents) {
        const live = mine.get(i.incidentId);
        if (!live || STAGES.indexOf(i.state) >= STAGES.indexOf(live.state)) mine.set(i.incidentId, i);
      }
      render();
    },
    unavailable() {
      fill(el, h('li', { class: 'muted' }, 'Not available on this gateway.'));
    },
  };
}
