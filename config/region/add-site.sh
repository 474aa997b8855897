#!/bin/sh
# Regional Mosquitto (dynamic-security plugin): accounts for the region and for each site.
#   config/region/add-site.sh init                      # once: the file, an admin, the region's account and role
#   config/region/add-site.sh site <site-id> [username] # per site: its account and its own role
# mosquitto_ctrl asks for each new password. Environment: MOSQ_ADMIN (default admin), MOSQ_HOST
# (default localhost), MOSQ_PORT (default 8883), MOSQ_CAFILE (the broker's CA, for TLS),
# DYNSEC_FILE (for init; default /var/lib/mosquitto/dynamic-security.json), REGION_GROUP (default region).
# Mosquitto 2.0 does not expand %u in these ACLs: each site gets a role naming its own topics.
set -eu
ADMIN=${MOSQ_ADMIN:-admin}
GROUP=${REGION_GROUP:-region}
ctrl() { mosquitto_ctrl -h "${MOSQ_HOST:-localhost}" -p "${MOSQ_PORT:-8883}" ${MOSQ_CAFILE:+--cafile "$MOSQ_CAFILE"} -u "$ADMIN" dynsec "$@"; }

case "${1:-}" in
  init)
    mosquitto_ctrl dynsec init "${DYNSEC_FILE:-/var/lib/mosquitto/dynamic-security.json}" "$ADMIN"
    echo "restart mosquitto, then press enter"; read -r _
    # Deny by default: nothing is published or subscribed to that a role does not list.
    ctrl setDefaultACLAccess publishClientSend deny subscribe deny
    ctrl createRole tw-region
    ctrl addRoleACL tw-region subscribePattern "\$share/$GROUP/tw/v1/region/+/events" allow
    ctrl addRoleACL tw-region subscribePattern "tw/v1/region/+/status" allow
    ctrl addRoleACL tw-region publishClientSend "tw/v1/region/+/resend" allow
    ctrl createClient region
    ctrl addClientRole region tw-region
    ;;
  site)
    SITE=${2:?usage: add-site.sh site <site-id> [username]}
    USER=${3:-$SITE}
    ctrl createRole "tw-site-$SITE"
    ctrl addRoleACL "tw-site-$SITE" publishClientSend "tw/v1/region/$SITE/events" allow
    ctrl addRoleACL "tw-site-$SITE" publishClientSend "tw/v1/region/$SITE/status" allow
    ctrl addRoleACL "tw-site-$SITE" subscribeLiteral "tw/v1/region/$SITE/resend" allow
    ctrl createClient "$USER"
    ctrl addClientRole "$USER" "tw-site-$SITE"
    ;;
  *) echo "usage: $0 init | site <site-id> [username]" >&2; exit 2 ;;
esac
