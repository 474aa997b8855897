#!/usr/bin/env bash
# Debian packages the tests and simulators need: real pseudo-terminals (socat), real video
# (ffmpeg, rtsp-server-perl), a real browser (chromium), a real peer broker (mosquitto) and a
# real regional database (postgresql, for the uplink tests) and systemd-analyze (the appliance's unit).
# Installs what is missing when run as root with apt; otherwise says exactly what to install.
set -uo pipefail

need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/perl5/RTSP/Server.pm ] || dpkg -s rtsp-server-perl >/dev/null 2>&1 || need+=(rtsp-server-perl)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)

if [ ${#need[@]} -eq 0 ]; then
  echo "system-deps: all present (socat, ffmpeg, mosquitto, chromium, rtsp-server-perl, postgresql, systemd-analyze)"
  exit 0
fi

echo "system-deps: missing Debian packages: ${need[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    && { echo "system-deps: installed ${need[*]}"; exit 0; }
  echo "system-deps: apt-get could not install: ${need[*]}" >&2
  exit 1
fi
echo "system-deps: install them with: sudo apt-get install -y ${need[*]}" >&2
exit 1
