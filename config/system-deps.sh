#!/usr/bin/env bash
# The Debian packages Townwatch needs beside npm's, for one purpose:
#   test  (npm test's pretest): real pseudo-terminals (socat), real video (ffmpeg,
#         rtsp-server-perl), a real browser (chromium), a real peer broker (mosquitto), a real
#         regional database (postgresql), the sqlite3 CLI and systemd-analyze (the unit's
#         check). Missing and not installable: one line naming the exact command, exit 1,
#         before any test runs.
#   demo  (npm start's prestart): what the demo's simulators need (socat for the TETRA radios and
#         the dock, ffmpeg and rtsp-server-perl for the cameras). Missing and not installable: one
#         line, exit 0: the gateway starts anyway and its banner names the simulators that are off.
# Installs what is missing when run as root with apt-get; TW_SYSTEM_DEPS_INSTALL=0 never installs.
set -uo pipefail

purpose=${1:-test}
case "$purpose" in
  test | demo) ;;
  *) echo "usage: system-deps.sh [test|demo]" >&2; exit 2 ;;
esac

# package: how to tell it is there
has_socat() { command -v socat >/dev/null 2>&1; }
has_ffmpeg() { command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; }
has_rtsp_server_perl() { command -v rtsp-server-perl >/dev/null 2>&1; }
has_mosquitto() { command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; }
has_chromium() { command -v chromium >/dev/null 2>&1; }
has_postgresql() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
has_sqlite3() { command -v sqlite3 >/dev/null 2>&1; }
has_systemd() { command -v systemd-analyze >/dev/null 2>&1; }

wanted=(socat ffmpeg rtsp-server-perl)
[ "$purpose" = test ] && wanted+=(mosquitto chromium postgresql sqlite3 systemd)

missing() {
  local out=() p
  for p in "${wanted[@]}"; do "has_${p//-/_}" || out+=("$p"); done
  echo "${out[@]}"
}

need=$(missing)
if [ -z "$need" ]; then
  echo "system-deps: all present for $purpose (${wanted[*]})"
  exit 0
fi

if [ "${TW_SYSTEM_DEPS_INSTALL:-1}" != 0 ] && [ "$EUID" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing $need (for $purpose)"
  # shellcheck disable=SC2086 # one word per package
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >/dev/null 2>&1
  need=$(missing)
  [ -z "$need" ] && { echo "system-deps: installed"; exit 0; }
fi

if [ "$purpose" = test ]; then
  echo "system-deps: the tests need Debian packages that are missing; install them with: sudo apt-get install -y $need" >&2
  exit 1
fi
echo "system-deps: some demo simulators will be off; turn them on with: sudo apt-get install -y $need" >&2
exit 0
