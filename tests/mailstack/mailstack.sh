#!/usr/bin/env bash
# shellcheck disable=SC2086,SC2153  # pid lists are split on purpose; DIR/env defines DOMAIN & co.
# mailstack.sh — a real mail stack on loopback for Convene's tests and demo: Dovecot (IMAP with
# STARTTLS, IMAPS, LMTP, submission with AUTH) and a private Postfix instance, in one directory,
# on free loopback ports, with a private CA whose certificate clients can verify for real.
#
#   mailstack.sh start DIR [--users FILE] [--owner-pid PID [--remove-on-owner-exit]]
#   mailstack.sh stop DIR
#   mailstack.sh restart-dovecot DIR
#   mailstack.sh stop-postfix DIR
#   mailstack.sh start-postfix DIR
#   mailstack.sh status DIR
#   mailstack.sh deliver DIR USER FILE|-
#   mailstack.sh fill DIR USER COUNT
#
# See README.md beside this file. Needs root (it runs daemons that change uid).
set -euo pipefail
# MAILSTACK_TRACE=FILE: a trace of every command, with timestamps, appended to FILE.
if [ -n "${MAILSTACK_TRACE:-}" ]; then
  exec {trace_fd}>>"$MAILSTACK_TRACE"
  BASH_XTRACEFD=$trace_fd
  PS4='+ $EPOCHREALTIME '
  set -x
fi
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

default_domain=example.test
default_users=(alice bob carol dave videoconference whiteboard)
wait_seconds=${MAILSTACK_WAIT_SECONDS:-30}
start_attempts=5

die ()
{
  echo "mailstack: $*" >&2
  exit 1
}

usage ()
{
  sed -n 's/^#   \(mailstack\.sh .*\)/usage: \1/p' "$self" >&2
  exit 2
}

# Every value of DIR/env is written without quotes so that it is both shell-sourceable and
# trivially parseable: refuse paths that would need quoting.
check_dir_name ()
{
  [[ $1 == /* ]] || die "DIR must be an absolute path: $1"
  [[ $1 =~ ^[A-Za-z0-9_./+,@-]+$ ]] || die "DIR may only contain A-Z a-z 0-9 _ . / + , @ -: $1"
}

# Loads DIR/env of a started stack into the shell.
load_env ()
{
  local dir=$1
  [ -f "$dir/.mailstack" ] || die "$dir is not a mail stack directory"
  [ -f "$dir/env" ] || die "$dir/env is missing: the stack was never started"
  # shellcheck disable=SC1091
  . "$dir/env"
}

tail_logs ()
{
  local dir=$1 f
  for f in "$dir"/log/{dovecot-start,dovecot,postfix-start,postfix}.log; do
    [ -s "$f" ] || continue
    echo "--- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
}

# --- processes ---------------------------------------------------------------------------------

# True when process PID has NAME=VALUE in its environment.
has_env ()
{
  local pid=$1 entry=$2 e env=()
  { mapfile -d '' env <"/proc/$pid/environ"; } 2>/dev/null || return 1
  for e in "${env[@]}"; do
    [ "$e" = "$entry" ] && return 0
  done
  return 1
}

# Prints the pids of the processes that belong to the stack in DIR (WHICH: dovecot, postfix or
# all): Dovecot's master and doveadm have DIR in their command line, Dovecot's children are titled
# "dovecot-mailstack-ID/…" after instance_name, Postfix's processes carry MAIL_CONFIG=DIR/postfix
# in their environment. Only shell builtins here: this looks at every process of the machine.
stack_pids ()
{
  local dir=$1 which=${2:-all} id p pid words
  read -r id <"$dir/.mailstack" || id=none
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    if [ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ]; then
      continue
    fi
    words=()
    { mapfile -d '' words <"$p/cmdline"; } 2>/dev/null || continue
    [ ${#words[@]} -gt 0 ] || continue
    if [ "$which" != postfix ]; then
      if [[ ${words[0]} == *"mailstack-$id/"* ]]; then
        echo "$pid"
        continue
      fi
      if [[ ${words[0]} == */dovecot || ${words[0]} == dovecot || ${words[0]} == *doveadm ]] \
         && [[ " ${words[*]} " == *" $dir/"* ]]; then
        echo "$pid"
        continue
      fi
    fi
    if [ "$which" != dovecot ] && has_env "$pid" "MAIL_CONFIG=$dir/postfix"; then
      echo "$pid"
    fi
  done
}

# True while process PID runs (a zombie does not: pid 1 may take its time to reap it); with
# STARTTIME, only if it is still the process that started then (a pid can be reused).
proc_alive ()
{
  local pid=$1 started=${2:-} stat fields
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  # Fields after the command name, which may contain spaces: state is field 3, starttime 22.
  read -r -a fields <<<"${stat##*) }"
  [[ ${fields[0]} != [ZX] ]] || return 1
  [ -z "$started" ] || [ "${fields[19]}" = "$started" ]
}

proc_starttime ()
{
  local stat fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# Waits until no process in the list runs any more; true when that happened within $2 seconds.
wait_gone ()
{
  local pids=$1 deadline=$(( SECONDS + $2 )) pid alive
  while :; do
    alive=
    for pid in $pids; do
      proc_alive "$pid" && alive="$alive $pid"
    done
    [ -z "$alive" ] && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.05
  done
}

pid_from_file ()
{
  local f=$1 pid
  [ -f "$f" ] || return 1
  read -r pid <"$f" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  proc_alive "$pid" || return 1
  echo "$pid"
}

dovecot_master_pid ()
{
  pid_from_file "$1/dovecot/run/master.pid"
}

# master.pid stays behind after "postfix stop": trust it only while that process is Postfix's
# master of this instance.
postfix_master_pid ()
{
  local dir=$1 pid
  pid=$(pid_from_file "$dir/postfix-queue/pid/master.pid") || return 1
  has_env "$pid" "MAIL_CONFIG=$dir/postfix" || return 1
  echo "$pid"
}

# --- ports -------------------------------------------------------------------------------------

# Ports in use by any socket on this machine (any state, IPv4 and IPv6), from /proc/net.
used_ports ()
{
  local f address rest
  for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
    [ -r "$f" ] || continue
    while read -r _ address rest; do
      [[ $address == *:* ]] || continue
      echo $(( 16#${address##*:} ))
    done <"$f"
  done
}

# Picks five distinct free ports below the ephemeral range (so that no outgoing connection takes
# one between the pick and the bind) at random, so that stacks started in parallel seldom meet;
# when they do, the daemon's bind fails and start tries again with other ports.
pick_ports ()
{
  local low high used port picked=() tries=0
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  high=$(( low - 1 ))
  low=$(( high - 12000 ))
  [ $low -ge 1024 ] || low=1024
  used=" $(used_ports | sort -un | tr '\n' ' ') "
  while [ ${#picked[@]} -lt 5 ]; do
    tries=$(( tries + 1 ))
    [ $tries -lt 10000 ] || die "no free loopback port between $low and $high"
    port=$(( low + SRANDOM % (high - low + 1) ))
    [[ $used == *" $port "* ]] && continue
    [[ " ${picked[*]} " == *" $port "* ]] && continue
    picked+=("$port")
  done
  echo "${picked[@]}"
}

# Reads the first line a server sends on 127.0.0.1:PORT and matches it against a regex.
banner_matches ()
{
  local port=$1 regex=$2 fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  if IFS= read -r -t 3 line <&"$fd"; then
    exec {fd}>&-
    [[ ${line%$'\r'} =~ $regex ]]
  else
    exec {fd}>&-
    return 1
  fi
}

port_answers ()
{
  local fd
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  exec {fd}>&-
}

# --- configuration -----------------------------------------------------------------------------

# Users: the default ones with random passwords, or those of --users FILE ("user@domain
# password" lines, one domain); each password only in DIR/passwords/USER (mode 0600).
make_users ()
{
  local dir=$1 users_file=$2 line address password name domain=''
  local -a addresses=()

  install -d -m 0700 "$dir/passwords"
  if [ -n "$users_file" ]; then
    [ -r "$users_file" ] || die "cannot read $users_file"
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%$'\r'}
      [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
      [[ $line =~ ^[[:space:]]*([^[:space:]]+)[[:space:]]+(.+)$ ]] \
        || die "$users_file: expected 'user@domain password' lines"
      address=${BASH_REMATCH[1],,}
      password=${BASH_REMATCH[2]}
      [[ $address =~ ^([a-z0-9][a-z0-9._+-]*)@([a-z0-9][a-z0-9.-]*[a-z0-9])$ ]] \
        || die "$users_file: not an address this stack can serve: $address"
      name=${BASH_REMATCH[1]}
      [ -z "$domain" ] && domain=${BASH_REMATCH[2]}
      [ "${BASH_REMATCH[2]}" = "$domain" ] || die "$users_file: all users must share one domain"
      [ -e "$dir/passwords/$name" ] && die "$users_file: $address appears twice"
      (umask 077 && printf '%s' "$password" >"$dir/passwords/$name")
      addresses+=("$address")
    done <"$users_file"
    [ ${#addresses[@]} -gt 0 ] || die "$users_file has no user"
  else
    domain=$default_domain
    for name in "${default_users[@]}"; do
      password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
      (umask 077 && printf '%s' "$password" >"$dir/passwords/$name")
      addresses+=("$name@$domain")
    done
  fi
  stack_domain=$domain
  stack_addresses=("${addresses[@]}")
}

# Dovecot's passwd-file holds (unsalted) SHA512 hashes: the passwords stay out of its config, and
# out of every command line (openssl reads them on stdin).
write_dovecot_users ()
{
  local dir=$1 address name hash
  : >"$dir/dovecot/users"
  chmod 0640 "$dir/dovecot/users"
  chgrp dovecot "$dir/dovecot/users"
  for address in "${stack_addresses[@]}"; do
    name=${address%@*}
    hash=$(openssl dgst -sha512 -binary <"$dir/passwords/$name" | base64 -w0)
    printf '%s:{SHA512.b64}%s::::::\n' "$address" "$hash" >>"$dir/dovecot/users"
  done
}

make_tls ()
{
  local dir=$1 tls=$1/tls
  install -d -m 0755 "$tls"
  # A private CA (RFC 5280 §4.2.1.9: basicConstraints CA:TRUE, keyCertSign) and a server
  # certificate it signs, valid for the names clients use on loopback (SAN, RFC 6125 §6.4).
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 30 \
      -keyout "$tls/ca.key" -out "$tls/ca.crt" \
      -subj "/O=Convene test mail stack/CN=Convene mailstack CA $stack_id" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -addext "subjectKeyIdentifier=hash"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
      -keyout "$tls/server.key" -out "$tls/server.csr" \
      -subj "/O=Convene test mail stack/CN=localhost"
    printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      "authorityKeyIdentifier=keyid" >"$tls/server.ext"
    openssl x509 -req -sha256 -days 30 -in "$tls/server.csr" \
      -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial \
      -extfile "$tls/server.ext" -out "$tls/server.crt"
  ) >"$dir/log/openssl.log" 2>&1 || { cat "$dir/log/openssl.log" >&2; die "openssl failed"; }
  chmod 0644 "$tls/ca.crt" "$tls/server.crt"
  openssl verify -CAfile "$tls/ca.crt" "$tls/server.crt" >/dev/null \
    || die "the server certificate does not verify with its CA"
}

write_dovecot_conf ()
{
  local dir=$1
  cat >"$dir/dovecot/dovecot.conf" <<EOF
# Written by mailstack.sh: a standalone Dovecot (nothing from /etc/dovecot) on loopback.
instance_name = mailstack-$stack_id
base_dir = $dir/dovecot/run
state_dir = $dir/dovecot/state
log_path = $dir/log/dovecot.log
# Millisecond (in fact microsecond) timestamps, for the delivery-latency benchmark: Dovecot
# replaces %{usecs} in log_timestamp with the microseconds of the log line's time.
log_timestamp = "%Y-%m-%d %H:%M:%S.%{usecs} "
protocols = imap lmtp submission
listen = 127.0.0.1
hostname = localhost
login_greeting = Convene mailstack $stack_id ready.
postmaster_address = postmaster@$stack_domain

ssl = yes
ssl_cert = <$dir/tls/server.crt
ssl_key = <$dir/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_default_realm = $stack_domain
auth_verbose = yes
# Tests of wrong passwords should not wait: no delay of a failure (default 2 s) and no penalty
# for the address that failed (anvil would delay its next logins by up to 15 s).
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

first_valid_uid = 8
mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 200
lda_mailbox_autocreate = yes
passdb {
  driver = passwd-file
  args = $dir/dovecot/users
}
userdb {
  driver = passwd-file
  args = $dir/dovecot/users
  default_fields = uid=mail gid=mail home=$dir/mail/%d/%n
}

# One line per LMTP delivery, with the time Dovecot took to deliver it (milliseconds).
deliver_log_format = msgid=%m from=<%{from_envelope}> size=%p delivery_time=%{delivery_time}ms: %\$

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = $SUBMISSION_PORT
  }
}
# Submission relays to the private Postfix, which delivers by LMTP back to Dovecot.
submission_relay_host = 127.0.0.1
submission_relay_port = $SMTP_PORT
submission_relay_trusted = yes
submission_relay_ssl = no
service doveadm {
  inet_listener {
    port = 0
  }
}
EOF
}

write_postfix_conf ()
{
  local dir=$1 pf=$1/postfix address
  cat >"$pf/main.cf" <<EOF
# Written by mailstack.sh: a private Postfix instance (postfix -c $pf) on loopback that
# accepts mail for $stack_domain only, delivers it to Dovecot by LMTP and sends nothing away.
compatibility_level = 3.6
queue_directory = $dir/postfix-queue
data_directory = $dir/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = $stack_domain
myorigin = $stack_domain
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = \$myhostname ESMTP Convene mailstack $stack_id
maillog_file = $dir/log/postfix.log
maillog_file_prefixes = $dir/log
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the test mail stack
virtual_mailbox_domains = $stack_domain
virtual_mailbox_maps = texthash:$pf/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:$LMTP_PORT
# Nothing leaves the machine: other domains are refused at RCPT (RFC 5321 §3.6.2 relaying),
# and anything that got past that would end in the error transport.
default_transport = error:5.7.1 the test mail stack sends no mail away
relay_transport = error:5.7.1 the test mail stack sends no mail away
relay_domains =
smtpd_relay_restrictions = reject_unauth_destination
smtpd_reject_unlisted_recipient = yes
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtputf8_enable = yes
biff = no
# Tests send bursts and expect quick retries after a Dovecot restart.
in_flow_delay = 0s
smtpd_error_sleep_time = 0s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
EOF
  cat >"$pf/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  : >"$pf/vmailbox"
  for address in "${stack_addresses[@]}"; do
    printf '%s OK\n' "$address" >>"$pf/vmailbox"
  done
  # Postfix waits (up to 2 s) for a table or main.cf modified within the last second to settle.
  touch -d '-1 minute' "$pf/main.cf" "$pf/master.cf" "$pf/vmailbox"
}

write_env ()
{
  local dir=$1 users=() address
  for address in "${stack_addresses[@]}"; do
    users+=("${address%@*}")
  done
  cat >"$dir/env.new" <<EOF
MAILSTACK_DIR=$dir
HOST=127.0.0.1
DOMAIN=$stack_domain
USERS=$(IFS=,; echo "${users[*]}")
IMAP_PORT=$IMAP_PORT
IMAPS_PORT=$IMAPS_PORT
LMTP_PORT=$LMTP_PORT
SUBMISSION_PORT=$SUBMISSION_PORT
SMTP_PORT=$SMTP_PORT
CA_FILE=$dir/tls/ca.crt
PASSWORDS_DIR=$dir/passwords
MAIL_DIR=$dir/mail
DOVECOT_CONF=$dir/dovecot/dovecot.conf
POSTFIX_CONFIG_DIR=$dir/postfix
DOVECOT_LOG=$dir/log/dovecot.log
POSTFIX_LOG=$dir/log/postfix.log
EOF
  mv "$dir/env.new" "$dir/env"
}

# --- starting and stopping the daemons ---------------------------------------------------------

# Starts Dovecot; returns 1 on failure, 2 when a port was taken (try other ports).
start_dovecot ()
{
  local dir=$1 out=$1/log/dovecot-start.log
  # stdin/stdout/stderr away from the caller's pipes, and the port lock closed: the daemon must
  # hold nothing of ours.
  if ! dovecot -c "$dir/dovecot/dovecot.conf" </dev/null >"$out" 2>&1 9>&-; then
    if grep -q 'Address already in use' "$out" "$dir/log/dovecot.log" 2>/dev/null; then
      return 2
    fi
    cat "$out" >&2
    return 1
  fi
}

# "postfix start" prints fatal errors only to a terminal: give it one with script(1), so that the
# reason reaches our stderr in CI too.
start_postfix ()
{
  local dir=$1 out=$1/log/postfix-start.log
  if ! script -qec "postfix -c '$dir/postfix' start" /dev/null </dev/null >"$out" 2>&1 9>&-; then
    if grep -q 'Address already in use' "$dir/log/postfix.log" 2>/dev/null; then
      return 2
    fi
    return 1
  fi
}

wait_dovecot ()
{
  local dir=$1 deadline=$(( SECONDS + wait_seconds )) tag="Convene mailstack $stack_id ready"
  while :; do
    if banner_matches "$IMAP_PORT" "^\* OK .*$tag" \
       && port_answers "$IMAPS_PORT" \
       && banner_matches "$LMTP_PORT" "^220 " \
       && banner_matches "$SUBMISSION_PORT" "^220 "; then
      return 0
    fi
    if ! dovecot_master_pid "$dir" >/dev/null; then
      grep -q 'Address already in use' "$dir/log/dovecot.log" 2>/dev/null && return 2
      echo "mailstack: Dovecot exited" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "mailstack: Dovecot's ports did not answer within ${wait_seconds}s" >&2
      return 1
    fi
    sleep 0.05
  done
}

wait_postfix ()
{
  local dir=$1 deadline=$(( SECONDS + wait_seconds )) settle=$(( SECONDS + 2 ))
  while :; do
    banner_matches "$SMTP_PORT" "^220 .*Convene mailstack $stack_id" && return 0
    if ! postfix_master_pid "$dir" >/dev/null && [ $SECONDS -ge $settle ]; then
      grep -q 'Address already in use' "$dir/log/postfix.log" 2>/dev/null && return 2
      echo "mailstack: Postfix's master exited" >&2
      return 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "mailstack: Postfix's port did not answer within ${wait_seconds}s" >&2
      return 1
    fi
    sleep 0.05
  done
}

stop_dovecot ()
{
  local dir=$1 pid pids
  pids=$(stack_pids "$dir" dovecot)
  if pid=$(dovecot_master_pid "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || die "Dovecot's master $pid does not exit"
  fi
  # Its children notice the master's death and exit by themselves; do not let one linger.
  if [ -n "$pids" ]; then
    wait_gone "$pids" 5 || kill -KILL $pids 2>/dev/null || true
    wait_gone "$pids" 5 || die "Dovecot's processes $pids do not exit"
  fi
  rm -f "$dir/dovecot/run/master.pid"
}

stop_postfix ()
{
  local dir=$1 pid
  pid=$(postfix_master_pid "$dir") || return 0
  script -qec "postfix -c '$dir/postfix' stop" /dev/null </dev/null >"$dir/log/postfix-stop.log" 2>&1 \
    || kill -TERM "$pid" 2>/dev/null || true
  # master.pid stays behind after stop: wait on the process itself.
  wait_gone "$pid" 15 || kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 5 || die "Postfix's master $pid does not exit"
}

stop_watchdog ()
{
  local dir=$1 pid
  pid=$(pid_from_file "$dir/watchdog.pid") || return 0
  [ "$pid" = $$ ] && return 0
  [ "$pid" = "${MAILSTACK_WATCHDOG_PID:-}" ] && return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/watchdog.pid"
}

stop_all ()
{
  local dir=$1 pids pid
  stop_watchdog "$dir"
  stop_postfix "$dir"
  stop_dovecot "$dir"
  # Whatever is still running from DIR (a doveadm, a Postfix child slow to exit) goes too.
  pids=$(stack_pids "$dir")
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    wait_gone "$pids" 5 || kill -KILL $pids 2>/dev/null || true
    wait_gone "$pids" 5 || true
  fi
  pids=$(stack_pids "$dir")
  if [ -n "$pids" ]; then
    echo "mailstack: processes still running from $dir:" >&2
    for pid in $pids; do
      echo "  $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
    done
    return 1
  fi
}

# Stops the stack when the owner (the test program) is gone, however it ended: a crashed test
# leaves nothing behind. The owner is identified by pid and start time, so a reused pid does not
# keep the stack alive. The watchdog is this script in its own session, holding none of the
# caller's file descriptors (a caller that reads our output to its end must not wait for it).
start_watchdog ()
{
  local dir=$1 owner=$2 remove=$3 started
  started=$(proc_starttime "$owner") || die "--owner-pid: no process $owner"
  setsid bash "$self" watchdog "$dir" "$owner" "$started" "$remove" \
    </dev/null >>"$dir/log/watchdog.log" 2>&1 9>&- &
  echo $! >"$dir/watchdog.pid"
}

cmd_watchdog ()
{
  local dir=$1 owner=$2 started=$3 remove=$4 stopping=
  export MAILSTACK_WATCHDOG_PID=$$
  trap 'stopping=1' TERM
  while [ -z "$stopping" ] && proc_alive "$owner" "$started"; do
    sleep 0.5 &
    wait $! || true
  done
  [ -n "$stopping" ] && exit 0
  echo "$(date '+%F %T') owner $owner is gone: stopping the stack"
  bash "$self" stop "$dir" || true
  if [ "$remove" = 1 ] && [ -f "$dir/.mailstack" ]; then
    rm -rf -- "$dir"
  fi
}

# --- commands ----------------------------------------------------------------------------------

cmd_start ()
{
  local dir='' users_file='' owner='' remove=0 attempt rc install_log t0=$SECONDS
  while [ $# -gt 0 ]; do
    case $1 in
      --users) [ $# -ge 2 ] || usage; users_file=$2; shift 2 ;;
      --owner-pid) [ $# -ge 2 ] || usage; owner=$2; shift 2 ;;
      --remove-on-owner-exit) remove=1; shift ;;
      -*) usage ;;
      *) [ -z "$dir" ] || usage; dir=$1; shift ;;
    esac
  done
  [ -n "$dir" ] || usage
  [ -z "$owner" ] || [[ $owner =~ ^[0-9]+$ ]] || die "--owner-pid needs a pid"
  [ "$(id -u)" -eq 0 ] || die "start needs root: Dovecot and Postfix change uid"
  check_dir_name "$dir"
  if [ -e "$dir" ]; then
    if [ ! -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; then
      die "$dir exists and is not an empty directory"
    fi
  fi

  # Stacks started in parallel install one at a time (apt-get takes dpkg's lock and fails
  # rather than waiting); when everything is installed this is quick and says nothing.
  if ! install_log=$(flock -w 900 "${TMPDIR:-/tmp}/cnv-mailstack-install.lock" \
                     bash "$here/../install-deps.sh" mailstack 2>&1 </dev/null); then
    echo "$install_log" >&2
    die "could not install the mail stack's packages"
  fi

  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  check_dir_name "$dir"
  # Dovecot's mail processes (uid mail) and Postfix (uid postfix) must reach their parts.
  chmod 0711 "$dir"
  stack_id=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
  echo "$stack_id" >"$dir/.mailstack"
  install -d -m 0755 "$dir/log" "$dir/dovecot" "$dir/postfix" "$dir/postfix-queue"
  install -d -m 0700 -o postfix -g postfix "$dir/postfix-data"
  install -d -m 0755 -o mail -g mail "$dir/mail"

  make_users "$dir" "$users_file"
  write_dovecot_users "$dir"
  for address in "${stack_addresses[@]}"; do
    install -d -m 0700 -o mail -g mail "$dir/mail/$stack_domain" \
      "$dir/mail/$stack_domain/${address%@*}" "$dir/mail/$stack_domain/${address%@*}/Maildir" \
      "$dir/mail/$stack_domain/${address%@*}/Maildir/cur" \
      "$dir/mail/$stack_domain/${address%@*}/Maildir/new" \
      "$dir/mail/$stack_domain/${address%@*}/Maildir/tmp"
  done
  chmod 0755 "$dir/mail/$stack_domain"
  make_tls "$dir"

  # Picking ports and binding them happen under one lock, so that stacks started in parallel
  # by this script never pick the same port; anything else that binds in between makes the
  # daemon fail, and then we try again with other ports.
  exec 9>"${TMPDIR:-/tmp}/cnv-mailstack-ports.lock"
  flock -w 120 9 || die "could not take the port lock"
  for attempt in $(seq 1 $start_attempts); do
    read -r IMAP_PORT IMAPS_PORT LMTP_PORT SUBMISSION_PORT SMTP_PORT < <(pick_ports)
    write_dovecot_conf "$dir"
    write_postfix_conf "$dir"
    rc=0
    start_dovecot "$dir" || rc=$?
    [ $rc -eq 0 ] && { wait_dovecot "$dir" || rc=$?; }
    if [ $rc -eq 0 ]; then
      start_postfix "$dir" || rc=$?
      [ $rc -eq 0 ] && { wait_postfix "$dir" || rc=$?; }
    fi
    [ $rc -eq 0 ] && break
    stop_all "$dir" >/dev/null 2>&1 || true
    if [ $rc -ne 2 ]; then
      tail_logs "$dir"
      die "could not start the mail stack in $dir"
    fi
    echo "mailstack: a port was taken, trying other ports (attempt $attempt)" >&2
    for f in dovecot postfix; do
      [ -f "$dir/log/$f.log" ] && mv "$dir/log/$f.log" "$dir/log/$f.log.attempt$attempt"
    done
  done
  exec 9>&-
  [ $rc -eq 0 ] || { tail_logs "$dir"; die "no free ports after $start_attempts attempts"; }

  write_env "$dir"
  [ -z "$owner" ] || start_watchdog "$dir" "$owner" "$remove"
  echo "mailstack: started in $dir in $(( SECONDS - t0 ))s (IMAP $IMAP_PORT, IMAPS $IMAPS_PORT," \
       "LMTP $LMTP_PORT, submission $SUBMISSION_PORT, SMTP $SMTP_PORT)" >&2
}

cmd_stop ()
{
  local dir=${1:-}
  [ $# -eq 1 ] || usage
  check_dir_name "$dir"
  [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd -P)
  [ -f "$dir/.mailstack" ] || die "$dir is not a mail stack directory"
  stop_all "$dir"
}

cmd_restart_dovecot ()
{
  local dir=${1:-} rc=0
  [ $# -eq 1 ] || usage
  load_env "$dir"
  dir=$MAILSTACK_DIR
  stack_id=$(cat "$dir/.mailstack")
  # While Dovecot is down its ports look free: hold the port lock so that a stack starting
  # meanwhile does not pick them.
  exec 9>"${TMPDIR:-/tmp}/cnv-mailstack-ports.lock"
  flock -w 120 9 || die "could not take the port lock"
  stop_dovecot "$dir"
  start_dovecot "$dir" || rc=$?
  [ $rc -eq 0 ] && { wait_dovecot "$dir" || rc=$?; }
  exec 9>&-
  if [ $rc -ne 0 ]; then
    tail_logs "$dir"
    die "could not restart Dovecot in $dir"
  fi
}

# Postfix down (an SMTP outage for what submits through Dovecot's submission, which relays to
# it) and up again on the same port; Dovecot keeps running.
cmd_stop_postfix ()
{
  local dir=${1:-}
  [ $# -eq 1 ] || usage
  load_env "$dir"
  stop_postfix "$MAILSTACK_DIR"
}

cmd_start_postfix ()
{
  local dir=${1:-} rc=0
  [ $# -eq 1 ] || usage
  load_env "$dir"
  dir=$MAILSTACK_DIR
  stack_id=$(cat "$dir/.mailstack")
  exec 9>"${TMPDIR:-/tmp}/cnv-mailstack-ports.lock"
  flock -w 120 9 || die "could not take the port lock"
  start_postfix "$dir" || rc=$?
  [ $rc -eq 0 ] && { wait_postfix "$dir" || rc=$?; }
  exec 9>&-
  if [ $rc -ne 0 ]; then
    tail_logs "$dir"
    die "could not start Postfix again in $dir"
  fi
}

cmd_status ()
{
  local dir=${1:-} pid state=0
  [ $# -eq 1 ] || usage
  load_env "$dir"
  dir=$MAILSTACK_DIR
  if pid=$(dovecot_master_pid "$dir"); then echo "dovecot: running (pid $pid)"; else echo "dovecot: stopped"; state=3; fi
  if pid=$(postfix_master_pid "$dir"); then echo "postfix: running (pid $pid)"; else echo "postfix: stopped"; state=3; fi
  for port in IMAP_PORT IMAPS_PORT LMTP_PORT SUBMISSION_PORT SMTP_PORT; do
    if port_answers "${!port}"; then echo "$port=${!port}: answers"; else echo "$port=${!port}: closed"; state=3; fi
  done
  if pid=$(pid_from_file "$dir/watchdog.pid"); then echo "watchdog: running (pid $pid)"; fi
  return $state
}

# USER is a local part of the stack's domain or a full address of it.
resolve_user ()
{
  local user=${1,,}
  if [[ $user == *@* ]]; then
    [ "${user#*@}" = "$DOMAIN" ] || die "$user is not in $DOMAIN"
    user=${user%@*}
  fi
  if ! [[ $user =~ ^[a-z0-9][a-z0-9._+-]*$ ]] || [ ! -f "$MAILSTACK_DIR/passwords/$user" ]; then
    die "no such user: $1"
  fi
  echo "$user"
}

cmd_deliver ()
{
  [ $# -eq 3 ] || usage
  local dir=$1 user file=$3
  load_env "$dir"
  user=$(resolve_user "$2")
  if [ "$file" = - ]; then
    doveadm -c "$DOVECOT_CONF" save -u "$user@$DOMAIN" -m INBOX
  else
    doveadm -c "$DOVECOT_CONF" save -u "$user@$DOMAIN" -m INBOX <"$file"
  fi
}

# Puts COUNT small distinct messages into the user's INBOX: one mbox file written by builtins,
# imported by doveadm in one process, so the messages get UIDs in their order ("Message N of
# COUNT" has UID n above the ones already there) and Dovecot's index knows them all. Writing
# maildir files directly would be as fast, but Dovecot numbers new files in directory order.
cmd_fill ()
{
  [ $# -eq 3 ] || usage
  local dir=$1 user count=$3 work t0 tag i date from_date
  load_env "$dir"
  user=$(resolve_user "$2")
  [[ $count =~ ^[0-9]+$ ]] || die "COUNT must be a number"
  [ "$count" -gt 0 ] || return 0
  t0=$EPOCHREALTIME
  work=$(mktemp -d "$MAIL_DIR/.fill.XXXXXX")
  tag="${EPOCHSECONDS}.${EPOCHREALTIME#*.}.$$"
  printf -v date '%(%a, %d %b %Y %H:%M:%S +0000)T' -1
  printf -v from_date '%(%a %b %e %H:%M:%S %Y)T' -1
  for (( i = 1; i <= count; i++ )); do
    # RFC 4155: an mbox "From " line starts each message; no body line starts with "From ".
    printf 'From filler@%s %s\nFrom: Filler <filler@%s>\nTo: %s@%s\nSubject: Message %d of %d\nDate: %s\nMessage-ID: <fill-%s-%d@%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nThis is message %d of %d.\n\n' \
      "$DOMAIN" "$from_date" "$DOMAIN" "$user" "$DOMAIN" "$i" "$count" "$date" "$tag" "$i" \
      "$DOMAIN" "$i" "$count"
  done >"$work/fill.mbox"
  chown -R mail:mail "$work"
  if ! doveadm -c "$DOVECOT_CONF" import -u "$user@$DOMAIN" \
         "mbox:$work:INBOX=$work/fill.mbox:INDEX=MEMORY" "" mailbox INBOX all; then
    rm -rf -- "$work"
    die "doveadm import into $user's INBOX failed"
  fi
  rm -rf -- "$work"
  echo "mailstack: $count messages into $user's INBOX in" \
       "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')s" >&2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  restart-dovecot) cmd_restart_dovecot "$@" ;;
  stop-postfix) cmd_stop_postfix "$@" ;;
  start-postfix) cmd_start_postfix "$@" ;;
  status) cmd_status "$@" ;;
  deliver) cmd_deliver "$@" ;;
  fill) cmd_fill "$@" ;;
  watchdog) [ $# -eq 4 ] || usage; cmd_watchdog "$@" ;;
  *) usage ;;
esac
