#!/usr/bin/env bash
# The demo (README's first command). For now it builds Convene and shows, with
# `convene-manager inspect`, what the manager reads from a request mail: who the initiator and the
# participants are, which session type the manager address selects, and when the session runs.
# Later issues turn this into the whole system on loopback (mail stack, manager, two apps).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
build=${BUILD_DIR:-$src/_build/demo}

bash tests/install-deps.sh build
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" src/manager/convene-manager >/dev/null

manager="$build/src/manager/convene-manager"
config="$src/tests/data/manager.ini"

echo
echo "== The manager's configuration ($config)"
grep -v '^#' "$config" | sed '/^$/d'
echo
echo "== A request, as alice writes it in any mail client"
cat "$src/tests/data/demo/weekly-sync.eml"
echo
echo "== What the manager would do with it: convene-manager inspect --config … weekly-sync.eml"
"$manager" inspect --config "$config" "$src/tests/data/demo/weekly-sync.eml"
echo
echo "== A mail that is not a valid request (nobody to invite)"
printf 'From: alice@example.test\nTo: videoconference@example.test\nSubject: Alone\n\nHello\n' |
  "$manager" inspect --config "$config" - || echo "(exit status $?: not a valid request)"
