#!/usr/bin/env bash
# The manager's walkthrough (bash tests/demo/manager-walkthrough.sh): the session manager alone,
# for an administrator, step by step. (The README's first command, tests/demo.sh, shows the whole
# system with the app.) It builds Convene, starts the real mail stack on loopback
# (Dovecot + a private Postfix, tests/mailstack/mailstack.sh) and the real session manager
# (`convene-manager run`, with its join gateway on loopback), accredits alice, bob and carol, and
# sends a request as alice through SMTP submission to videoconference@example.test with bob and
# dave in To and carol in Cc. The manager reads it by IMAP IDLE, opens the session and mails the
# invitations; the demo shows bob's invitation, what the join gateway answers for his personal
# link, alice's report (dave is not accredited, carol was only in Cc) and `session list`.
# Needs root (the mail stack runs daemons); installs what it needs with apt-get.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
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
manager_pid=
stop_stack ()
{
  [ -z "$manager_pid" ] || kill "$manager_pid" 2>/dev/null || true
  [ -z "$manager_pid" ] || wait "$manager_pid" 2>/dev/null || true
  bash tests/mailstack/mailstack.sh stop "$stack" >/dev/null 2>&1 || true
  rm -rf "$work"
}
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

echo
echo "== The session manager: convene-manager run, with its join gateway on loopback"
# shellcheck disable=SC1091
. "$stack/env"
gateway_port=$(( 20000 + RANDOM % 20000 ))
cat >"$work/manager.conf" <<CONF
[manager]
database = $work/manager.db
timezone = UTC
default-duration = 45m
join-early = 5m

[imap]
host = 127.0.0.1
port = $IMAP_PORT
security = starttls
user = videoconference@example.test
password-file = $PASSWORDS_DIR/videoconference
ca-file = $CA_FILE

[smtp]
host = 127.0.0.1
port = $SUBMISSION_PORT
security = starttls
user = videoconference@example.test
password-file = $PASSWORDS_DIR/videoconference
ca-file = $CA_FILE

[gateway]
listen = 127.0.0.1:$gateway_port
public-url = http://127.0.0.1:$gateway_port

[type videoconference]
address = videoconference@example.test
backend = url
url = https://meet.example.test/{room}
default = true

[type whiteboard]
address = whiteboard@example.test
backend = url
url = https://board.example.test/{room}
CONF
"$manager" check-config --config "$work/manager.conf"
for user in alice bob carol; do
  "$manager" user add --config "$work/manager.conf" "$user@example.test" 2>/dev/null
done
"$manager" user list --config "$work/manager.conf"
"$manager" run --config "$work/manager.conf" 2>"$work/manager.log" &
manager_pid=$!
for _ in $(seq 1 100); do
  grep -q "started" "$work/manager.log" 2>/dev/null && break
  sleep 0.1
done
sed 's/^/  /' "$work/manager.log"

echo
echo "== Alice sends a request: bob and dave in To, carol in Cc"
request="$work/request.eml"
cat >"$request" <<MAIL
From: Alice <alice@example.test>
To: videoconference@example.test, Bob <bob@example.test>, dave@example.test
Cc: carol@example.test
Subject: Design review
Message-ID: <design-review-$RANDOM$RANDOM@example.test>

Let's look at the new design together.
MAIL
"$build/tests/demo-mail" --stack "$stack" --from alice --watch videoconference \
  --send "$request" --out "$work/received.eml"

echo
echo "== The manager's log"
# The request of the first part is in the mailbox too, unread: the manager handles it as well.
in_design_review () { grep -l '^Subject: .*Design review' "$@" 2>/dev/null || true; }
invitation=
for _ in $(seq 1 300); do
  invitation=$(grep -l '^X-Convene-Type:' $(in_design_review "$stack"/mail/example.test/bob/Maildir/new/*) \
               2>/dev/null | head -1 || true)
  [ -n "$invitation" ] && [ -n "$(in_design_review "$stack"/mail/example.test/alice/Maildir/new/*)" ] \
    && grep -q "Sent the refusal" "$work/manager.log" && break
  sleep 0.1
done
sed 's/^/  /' "$work/manager.log"
[ -n "$invitation" ] || { echo "no invitation reached bob" >&2; exit 1; }

echo
echo "== Bob's invitation, and what the join gateway answers for his personal link"
"$build/tests/demo-mail" --show-invitation "$invitation"

echo
echo "== Alice's report (what the manager did not do, and why)"
report=$(grep -L '^X-Convene-Type:' $(grep -l '^X-Convene-Session:' \
         $(in_design_review "$stack"/mail/example.test/alice/Maildir/new/*)) | head -1)
"$build/tests/demo-mail" --show-text "$report"

echo
echo "== convene-manager session list"
"$manager" session list --config "$work/manager.conf"
echo
from_manager=0
for f in $(in_design_review "$stack"/mail/example.test/{carol,dave}/Maildir/new/*); do
  grep -q '^X-Convene-Session:' "$f" && from_manager=$(( from_manager + 1 ))
done
echo "(carol, in Cc, and dave, not accredited, got nothing from the manager for it: $from_manager mails)"
