#!/usr/bin/env bash
# The demo (the README's first command): the whole system on this machine, on loopback.
#
#   bash tests/demo.sh               with a display: alice's composer and bob's window open on it
#   bash tests/demo.sh --headless    no window: the whole flow runs by itself, step by step
#
# It installs what it needs with apt-get, builds Convene, then tests/demo/demo.py starts the real
# mail stack (Dovecot + a private Postfix, tests/mailstack/), the real session manager
# (`convene-manager run`: videoconference@ and whiteboard@example.test, alice, bob and carol
# accredited) and the app's background service for alice, bob and carol, each in a desktop session
# of their own (HOME, XDG dirs, session bus, keyring). Without a display it runs --headless. It
# prints what runs and each step; Ctrl+C stops everything and removes its files. Needs root (the
# mail stack runs daemons). The manager alone, for administrators: tests/demo/manager-walkthrough.sh.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
build=${BUILD_DIR:-$src/_build/demo}

for arg in "$@"; do
  case $arg in
    --headless) ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

bash tests/install-deps.sh demo
echo "demo: building Convene in $build (the first time takes a few minutes)"
log=$(mktemp /tmp/convene-demo-build-XXXXXX.log)
# Quiet unless it fails; then its whole output. (ninja reconfigures by itself when needed.)
if ! { [ -f "$build/build.ninja" ] || meson setup "$build" -Dbuildtype=debugoptimized; } >"$log" 2>&1 ||
   ! ninja -C "$build" src/app/convene src/app/convene-service src/manager/convene-manager \
       tests/demo/demo-compose data/gschemas.compiled >>"$log" 2>&1; then
  cat "$log" >&2
  echo "demo: the build failed (above; also in $log)" >&2
  exit 1
fi
rm -f "$log"

# /usr/bin/python3: the distribution's, which has python3-gi (a python3 earlier on PATH may not).
exec /usr/bin/python3 tests/demo/demo.py "$@" \
  --app "$build/src/app/convene" \
  --service "$build/src/app/convene-service" \
  --manager "$build/src/manager/convene-manager" \
  --compose "$build/tests/demo/demo-compose" \
  --mailstack "$src/tests/mailstack/mailstack.sh" \
  --schema-dir "$build/data" \
  --source-dir "$src/tests" \
  --screenshots "$build/tests/demo/screenshots"
