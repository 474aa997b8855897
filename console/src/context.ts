import type { SessionInfo } from '../../gateway/contract/api';
import type { Api } from './api';
import type { Alarm } from './audio';
import type { Live } from './live';
import type { Store } from './store';
import type { TrackingApi } from './tracking-api';

/** What every panel gets: the clients, the state, who is logged in. */
export interface Ctx {
  api: Api;
  store: Store;
  live: Live;
  alarm: Alarm;
  tracking: TrackingApi;
  me: SessionInfo;
  navigate: (path: string) => void;
  /** A short message at the bottom of the screen (role="status"). */
  notify: (text: string, kind?: 'info' | 'error') => void;
}

/** A panel of the console: built once, shown and hidden as people move between panels. */
export interface View {
  el: HTMLElement;
  show?(): void;
  hide?(): void;
}
