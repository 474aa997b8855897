import type { Principal } from '../auth/accounts';
import { can, MQTT_CONSOLE_READ } from '../contract/policy';
import { matchExternalTopic, matchTopic, TOPIC_PREFIX, TOPICS, type TopicMatch } from '../contract/topics';

/**
 * Who may publish and subscribe to what, as pure functions of the account and the topic.
 * Derived from the topic contract: a topic's `roles` say which kinds of account may use it,
 * and its parameters are checked against the account (own ISSI, own premises…). A person's
 * console account reads what its console role may (the access policy, contract/policy.ts).
 */

export type PublishDecision =
  | { kind: 'allow'; match: TopicMatch }
  /** Under `tw/v1/` but not in the contract: accepted on the wire, quarantined. */
  | { kind: 'unknown-topic' }
  | { kind: 'deny'; reason: string };

function issiAllowed(p: Principal, issi: string | undefined): boolean {
  if (issi === undefined || !/^\d+$/.test(issi)) return false;
  const n = Number(issi);
  if (p.role === 'handset') return p.issi === n;
  if (p.role === 'control-station') return p.issiRanges.some(([from, to]) => n >= from && n <= to);
  return false;
}

function paramsAllowed(p: Principal, m: TopicMatch): string | null {
  const { params } = m;
  if ('issi' in params && !issiAllowed(p, params.issi)) return `ISSI ${params.issi} is not this account's`;
  if ('premisesId' in params && p.premisesId !== params.premisesId) return `premises ${params.premisesId} is not this account's`;
  if ('gssi' in params) {
    const g = Number(params.gssi);
    if (p.role === 'handset' && !p.talkgroups.includes(g)) return `talkgroup ${params.gssi} is not this account's`;
  }
  return null;
}

export function decidePublish(p: Principal, topic: string): PublishDecision {
  if (!topic.startsWith(TOPIC_PREFIX)) {
    // Outside our prefix only the few topics third-party products fix (Frigate's) are allowed.
    const external = matchExternalTopic(topic);
    if (!external) return { kind: 'deny', reason: 'topic outside tw/v1/' };
    if (!external.spec.roles.includes(p.role)) return { kind: 'deny', reason: `role ${p.role} may not publish ${external.spec.name}` };
    return { kind: 'allow', match: external };
  }
  const match = matchTopic(topic);
  if (!match) return { kind: 'unknown-topic' };
  if (match.spec.direction !== 'in') return { kind: 'deny', reason: `${match.spec.name} is published by the gateway only` };
  if (!match.spec.roles.includes(p.role)) return { kind: 'deny', reason: `role ${p.role} may not publish ${match.spec.name}` };
  const problem = paramsAllowed(p, match);
  return problem ? { kind: 'deny', reason: problem } : { kind: 'allow', match };
}

/** A contract pattern as a subscription filter: each `{param}` is the bound value or `+`. */
function patternFilter(pattern: string, bound: Partial<Record<string, string>> = {}): string {
  return pattern.replace(/\{(\w+)\}/g, (_, key: string) => bound[key] ?? '+');
}

/**
 * What a person's console account may subscribe to, per its console role: each contract topic
 * whose read permission the role holds (a member's only with its own premises in it). A role
 * that may read every contract topic gets `tw/v1/#` (topics outside the contract are
 * quarantined, never forwarded). No console role, or an unknown one: nothing.
 */
function consoleRoots(p: Principal): string[] {
  const roots: string[] = [];
  let everything = true;
  for (const spec of TOPICS) {
    const reads = (MQTT_CONSOLE_READ[spec.name] ?? []).filter((r) => can(p.consoleRole, r.permission));
    const whole = reads.find((r) => !r.own);
    if (whole) {
      roots.push(patternFilter(spec.pattern));
      continue;
    }
    everything = false;
    for (const r of reads) {
      if (r.own === 'premisesId' && p.premisesId) roots.push(patternFilter(spec.pattern, { premisesId: p.premisesId }));
    }
  }
  return everything ? [`${TOPIC_PREFIX}#`] : roots;
}

const rootsOf = new WeakMap<Principal, readonly string[]>();

/**
 * Topic filters an account may subscribe to; a request must be covered by one of them. They
 * depend only on the principal (fixed for the process), and `mayReceive` asks for every message
 * forwarded to every subscriber: worked out once per principal.
 */
export function subscriptionRoots(p: Principal): readonly string[] {
  let roots = rootsOf.get(p);
  if (!roots) {
    roots = Object.freeze(rootsFor(p));
    rootsOf.set(p, roots);
  }
  return roots;
}

function rootsFor(p: Principal): string[] {
  switch (p.role) {
    case 'handset':
      return [`tw/v1/radio/${p.issi}/down`, ...p.talkgroups.map((g) => `tw/v1/talkgroup/${g}/down`)];
    case 'control-station':
      // Narrowed per message by mayReceive(): only its own ISSI ranges are forwarded.
      return ['tw/v1/radio/+/down', 'tw/v1/talkgroup/+/down'];
    case 'shop-terminal': {
      // Only its own premises' downlink: what the control room sends another shop is not its to read.
      const premisesId = p.premisesId;
      if (!premisesId) return [];
      return TOPICS.filter((t) => t.direction === 'out' && t.roles.includes('shop-terminal')).map((t) => patternFilter(t.pattern, { premisesId }));
    }
    case 'console':
      return consoleRoots(p);
    case 'service':
      return ['tw/v1/#'];
    default:
      return [];
  }
}

/** True when every topic `requested` can match is also matched by `allowed`. */
export function filterCovers(allowed: string, requested: string): boolean {
  const a = allowed.split('/');
  const r = requested.split('/');
  for (let i = 0; i < a.length; i++) {
    const al = a[i]!;
    if (al === '#') return true;
    const rl = r[i];
    if (rl === undefined || rl === '#') return false;
    if (al === '+') continue;
    if (al !== rl) return false;
  }
  return a.length === r.length;
}

export function maySubscribe(p: Principal, filter: string): boolean {
  return subscriptionRoots(p).some((root) => filterCovers(root, filter));
}

/** Per-message check before the broker forwards a publish to a subscriber. */
export function mayReceive(p: Principal, topic: string): boolean {
  if (!maySubscribe(p, topic)) return false;
  if (p.role !== 'control-station') return true;
  const m = matchTopic(topic);
  return m === null || !('issi' in m.params) || issiAllowed(p, m.params.issi);
}
