#!/bin/sh
# fake-collab.sh — a stand-in collaboration program for tests/test-app-launcher.c
#
# Usage: fake-collab.sh MODE DIR [ARGS…]
#   MODE term:   exits 0 on SIGTERM;  ignore: ignores SIGTERM (and so does its grandchild);
#        exit3:  exits 3 at once, leaving its grandchild behind in the process group.
# Records in DIR: argv (every argument, NUL-terminated, byte-exact), pid, grandchild (the pid of a
# `sleep` started in the same process group), started (start time), fds (its open descriptors),
# then creates DIR/ready. When DIR/print exists, writes "out" to stdout and "err" to stderr (not by
# default: an inherited stdout may be the test's TAP stream).
#
# SPDX-License-Identifier: GPL-3.0-or-later
mode=$1
dir=$2

case $mode in
  ignore) trap '' TERM ;;
  *) trap 'echo term >> "$dir/signals"; exit 0' TERM ;;
esac

# Listed before anything else is opened; globbing runs in this shell, no child in between.
fds=
for f in /proc/$$/fd/*; do
  fds="$fds ${f##*/}"
done

sleep 300 &
printf '%s\0' "$@" > "$dir/argv"
echo $$ > "$dir/pid"
echo $! > "$dir/grandchild"
date +%s.%N > "$dir/started"
echo "$fds" > "$dir/fds"
if [ -e "$dir/print" ]; then
  echo out
  echo err >&2
fi
: > "$dir/ready"

if [ "$mode" = exit3 ]; then
  exit 3
fi
while :; do
  wait
  sleep 1
done
