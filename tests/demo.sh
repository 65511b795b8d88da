#!/usr/bin/env bash
# The demo (README's first command). It builds Convene, starts the real mail stack on loopback
# (Dovecot + a private Postfix, tests/mailstack/mailstack.sh), sends a request as alice through SMTP
# submission to videoconference@example.test, receives it with the mail engine's watcher (IMAP IDLE)
# on the manager's mailbox, and shows with `convene-manager inspect` what the manager will do with
# it: who the initiator and the participants are, which session type the address selects, and
# when the session runs. Later issues add the manager daemon and the app to this run.
# Needs root (the mail stack runs daemons); installs what it needs with apt-get.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
build=${BUILD_DIR:-$src/_build/demo}

bash tests/install-deps.sh build
bash tests/install-deps.sh mailstack
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" -Dbuildtype=debugoptimized >/dev/null
else
  meson setup --reconfigure "$build" >/dev/null
fi
ninja -C "$build" src/manager/convene-manager tests/demo-mail >/dev/null

manager="$build/src/manager/convene-manager"
config="$src/tests/data/manager.ini"
work=$(mktemp -d /tmp/convene-demo-XXXXXX)
chmod 0755 "$work"   # the mail daemons (users dovecot, postfix, mail) must reach the stack
stack="$work/mailstack"
stop_stack () { bash tests/mailstack/mailstack.sh stop "$stack" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap stop_stack EXIT

echo
echo "== The mail stack: Dovecot (IMAP, IMAPS, LMTP, submission) and Postfix on loopback"
bash tests/mailstack/mailstack.sh start "$stack" --owner-pid $$
grep -E '^(IMAP|IMAPS|SUBMISSION|SMTP)_PORT|^CA_FILE|^USERS' "$stack/env" | sed 's/^/  /'

echo
echo "== The manager's configuration ($config)"
grep -v '^#' "$config" | sed '/^$/d'
echo
echo "== A request, as alice writes it in any mail client"
cat "$src/tests/data/demo/weekly-sync.eml"
echo
echo "== Alice sends it; the manager's mailbox receives it"
"$build/tests/demo-mail" --stack "$stack" --from alice --watch videoconference \
  --send "$src/tests/data/demo/weekly-sync.eml" --out "$work/received.eml"
echo
echo "== What the manager will do with the mail it received: convene-manager inspect"
"$manager" inspect --config "$config" "$work/received.eml"
echo
echo "== A mail that is not a valid request (nobody to invite)"
printf 'From: alice@example.test\nTo: videoconference@example.test\nSubject: Alone\n\nHello\n' |
  "$manager" inspect --config "$config" - || echo "(exit status $?: not a valid request)"
