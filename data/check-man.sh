#!/bin/sh
# Renders each man page given with groff's man macros and every warning enabled (-ww), without
# output (-z): any message, even a warning that leaves the exit status 0, is a failure.
# Skipped (77, meson's "skip") where groff is not installed (Debian: groff-base).
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

command -v groff >/dev/null 2>&1 || { echo "groff is not installed: skipped"; exit 77; }

status=0
for page in "$@"; do
  messages=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1)
  rc=$?
  if [ "$rc" -ne 0 ] || [ -n "$messages" ]; then
    printf '%s: groff exited with %s\n%s\n' "$page" "$rc" "$messages"
    status=1
  else
    echo "$page: OK"
  fi
done
exit "$status"
