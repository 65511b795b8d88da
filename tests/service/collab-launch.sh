#!/bin/sh
# collab-launch.sh — one launch of the test collaboration program, as the service's command template
# runs it (tests/service/): `collab-launch.sh ROOT --link %u --title %t`.
#
# Each launch gets its own record directory ROOT/launch-N (N = 1, 2, …; mkdir is atomic, so two
# launches never share one and a second launch of a session shows as launch-2), in which
# tests/data/launcher/fake-collab.sh runs in mode `term` (it records its argv, pid and start time,
# and exits 0 on SIGTERM after appending "term" to `signals`). This script stays the leader of the
# process group the service started (its pid in `leader`) and, when the group gets SIGTERM, writes
# the time it got it to `term-at` (date +%s.%N: the wall clock to the nanosecond, read after the
# signal; a file's mtime would be the kernel's coarse clock, milliseconds behind), then waits for
# the program.
#
# SPDX-License-Identifier: GPL-3.0-or-later
root=$1
shift
[ -d "$root" ] || { echo "collab-launch.sh: no directory $root" >&2; exit 2; }
n=1
while ! mkdir "$root/launch-$n" 2>/dev/null; do
  n=$((n + 1))
  [ "$n" -le 100 ] || { echo "collab-launch.sh: cannot create $root/launch-N" >&2; exit 2; }
done
dir=$root/launch-$n
echo $$ > "$dir/leader"
trap 'date +%s.%N >> "$dir/term-at"; wait "$child"; exit 0' TERM
sh "$(dirname "$0")/../data/launcher/fake-collab.sh" term "$dir" "$@" &
child=$!
wait "$child"
