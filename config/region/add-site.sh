#!/bin/sh
# Regional Mosquitto (dynamic-security plugin): accounts for the region and for each site.
#   config/region/add-site.sh init                      # once, broker stopped: the plugin's file and its admin
#   config/region/add-site.sh region                    # once, broker running: deny by default, the region's account and role
#   config/region/add-site.sh site <site-id> [username] # per site: its account and its own role
# Passwords are asked for, or taken from MOSQ_ADMIN_PASSWORD (the admin's) and NEW_PASSWORD (the
# account being created). Environment: MOSQ_ADMIN (default admin), MOSQ_HOST (default localhost),
# MOSQ_PORT (default 8883), MOSQ_CAFILE (the broker's CA, for TLS), DYNSEC_FILE (for init;
# default /var/lib/mosquitto/dynamic-security.json), REGION_GROUP (default region).
# Mosquitto 2.0 does not expand %u in these ACLs: each site gets a role naming its own topics.
set -eu
ADMIN=${MOSQ_ADMIN:-admin}
GROUP=${REGION_GROUP:-region}
ctrl() {
  mosquitto_ctrl -h "${MOSQ_HOST:-localhost}" -p "${MOSQ_PORT:-8883}" ${MOSQ_CAFILE:+--cafile "$MOSQ_CAFILE"} \
    -u "$ADMIN" ${MOSQ_ADMIN_PASSWORD:+-P "$MOSQ_ADMIN_PASSWORD"} dynsec "$@"
}
# createClient asks for the password unless NEW_PASSWORD is set.
create_client() { ctrl createClient "$1" ${NEW_PASSWORD:+-p "$NEW_PASSWORD"}; }

case "${1:-}" in
  init)
    mosquitto_ctrl dynsec init "${DYNSEC_FILE:-/var/lib/mosquitto/dynamic-security.json}" "$ADMIN" ${MOSQ_ADMIN_PASSWORD:+"$MOSQ_ADMIN_PASSWORD"}
    echo "now (re)start mosquitto with the plugin reading that file, then: $0 region"
    ;;
  region)
    # Deny by default: nothing is published or subscribed to that a role does not list.
    ctrl setDefaultACLAccess publishClientSend deny
    ctrl setDefaultACLAccess subscribe deny
    ctrl createRole tw-region
    ctrl addRoleACL tw-region subscribePattern "\$share/$GROUP/tw/v1/region/+/events" allow
    ctrl addRoleACL tw-region subscribePattern "tw/v1/region/+/status" allow
    ctrl addRoleACL tw-region publishClientSend "tw/v1/region/+/resend" allow
    create_client region
    ctrl addClientRole region tw-region
    ;;
  site)
    SITE=${2:?usage: add-site.sh site <site-id> [username]}
    USER=${3:-$SITE}
    ctrl createRole "tw-site-$SITE"
    ctrl addRoleACL "tw-site-$SITE" publishClientSend "tw/v1/region/$SITE/events" allow
    ctrl addRoleACL "tw-site-$SITE" publishClientSend "tw/v1/region/$SITE/status" allow
    ctrl addRoleACL "tw-site-$SITE" subscribeLiteral "tw/v1/region/$SITE/resend" allow
    create_client "$USER"
    ctrl addClientRole "$USER" "tw-site-$SITE"
    ;;
  *) echo "usage: $0 init | region | site <site-id> [username]" >&2; exit 2 ;;
esac
