import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { REGION_TOPIC_FILTER, resendTopic, statusTopic, STATUS_TOPIC_FILTER, uplinkTopic } from '../uplink/wire';

/**
 * The recommended access control for Mosquitto 2 as the regional broker, as a dynamic-security
 * plugin file (config/region/mosquitto.conf loads it). Mosquitto's `acl_file` cannot do this job:
 * it never refuses a SUBSCRIBE (it only filters at delivery), so a site account could join the
 * region's `$share` group, be handed a share of every site's events, and have them dropped, with
 * no one the wiser. The dynamic-security plugin refuses subscriptions by default, and grants each
 * account only what its role lists; `%u` is not expanded there in 2.0, so each site has its own role.
 *
 * | account      | may                                                                                  |
 * |--------------|--------------------------------------------------------------------------------------|
 * | the region   | subscribe `$share/<group>/tw/v1/region/+/events` and `tw/v1/region/+/status`; publish `…/+/resend` |
 * | site `S`     | publish `tw/v1/region/S/events` and `…/S/status`; subscribe `…/S/resend`; nothing else |
 *
 * The MQTT username of a site need not equal its site id: its role names the topics.
 */

export interface BrokerAccount {
  username: string;
  password: string;
}

export interface DynsecInput {
  region: BrokerAccount;
  /** The region's shared-subscription group (`mqtt.group`, default `region`). */
  group?: string;
  sites: Array<BrokerAccount & { siteId: string }>;
}

interface Acl {
  acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern';
  topic: string;
  priority: number;
  allow: boolean;
}

const allow = (acltype: Acl['acltype'], topic: string): Acl => ({ acltype, topic, priority: 0, allow: true });

/** Mosquitto's dynamic-security password form: PBKDF2-SHA512, 64 bytes, base64 salt and hash. */
function client(a: BrokerAccount, roles: string[], iterations = 101) {
  const salt = randomBytes(12);
  return {
    username: a.username,
    textname: a.username,
    salt: salt.toString('base64'),
    password: pbkdf2Sync(a.password, salt, iterations, 64, 'sha512').toString('base64'),
    iterations,
    roles: roles.map((rolename) => ({ rolename, priority: -1 })),
  };
}

export function dynsecConfig(input: DynsecInput) {
  const group = input.group ?? 'region';
  const roles = [
    {
      rolename: 'tw-region',
      acls: [
        allow('subscribePattern', `$share/${group}/${REGION_TOPIC_FILTER}`),
        allow('subscribePattern', STATUS_TOPIC_FILTER),
        allow('publishClientSend', 'tw/v1/region/+/resend'),
      ],
    },
    ...input.sites.map((s) => ({
      rolename: `tw-site-${s.siteId}`,
      acls: [
        allow('publishClientSend', uplinkTopic(s.siteId)),
        allow('publishClientSend', statusTopic(s.siteId)),
        allow('subscribeLiteral', resendTopic(s.siteId)),
      ],
    })),
  ];
  return {
    // Deny by default: nothing is published or subscribed to that a role does not list.
    defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
    clients: [client(input.region, ['tw-region']), ...input.sites.map((s) => client(s, [`tw-site-${s.siteId}`]))],
    groups: [],
    roles,
  };
}
