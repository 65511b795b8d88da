#!/usr/bin/env bash
# Installs with apt-get what Convene needs to build, test and run its demo on Debian 12.
# Usage: tests/install-deps.sh [build|test|all|mailstack|demo]   (default: all). Needs root (or sudo).
# mailstack: only the mail stack of tests/mailstack/ (what mailstack.sh start needs).
# demo: what tests/demo.sh needs: build, the mail stack, and each demo user's desktop session.
set -euo pipefail

what=${1:-all}

build_pkgs=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libgmime-3.0-dev libical-dev libjson-glib-dev
  libcurl4-openssl-dev libsecret-1-dev libsqlite3-dev
  libsoup-3.0-dev             # the manager's join gateway (HTTP server), the app's autoconfig look-up
  libgtk-4-dev libadwaita-1-dev   # the app's UI
  libebook1.2-dev             # address-book completion from evolution-data-server
  libportal-dev               # autostart through the Background portal inside Flatpak
  desktop-file-utils appstream    # validators of the desktop file and the metainfo (meson test)
  itstool                     # help translations (gnome.yelp)
  glib-networking             # GIO's TLS backend: without it no IMAP over TLS
  tzdata ca-certificates
)
test_pkgs=(
  clang libclang-rt-14-dev    # libFuzzer and the sanitizer runtimes
  python3 python3-icalendar   # the benchmark's peer: Python's email + icalendar
  dbus gnome-keyring          # a real Secret Service for the libsecret tests
  evolution-data-server       # a real address book for the completion test
  yelp-tools                  # yelp-check: the help pages are valid Mallard with no broken link
  xvfb xauth at-spi2-core python3-pyatspi python3-gi gir1.2-atspi-2.0   # the UI tests (tests/ui/)
  python3-dbusmock            # a recording notification daemon for the service's tests
  flatpak-builder             # flatpak/: the manifest parsed offline (--show-manifest)
  groff-base                  # groff: the man pages render without a warning (meson test, suite data)
  locales                     # localedef: the French screenshots compile fr_FR.UTF-8 for French dates
  systemd man-db              # systemd-analyze verify / security of the manager's unit (offline;
                              # man: its Documentation=man:convene-manager(1) resolves)
)
# the real mail stack of tests/mailstack/ (Postfix preseeded below: no system MTA is configured)
mailstack_pkgs=(
  dovecot-core dovecot-imapd dovecot-lmtpd dovecot-submissiond postfix openssl
)

# tests/demo.sh: a session bus, a keyring and a notification daemon per user; the stand-in
# software's window (python3-gi with GTK 4)
demo_pkgs=(
  dbus gnome-keyring python3 python3-gi gir1.2-gtk-4.0 python3-dbusmock
)

case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  demo) pkgs=("${build_pkgs[@]}" "${mailstack_pkgs[@]}" "${demo_pkgs[@]}") ;;
  test|all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${mailstack_pkgs[@]}" "${demo_pkgs[@]}") ;;
  mailstack) pkgs=("${mailstack_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all|mailstack|demo]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not set itself up as the machine's MTA: the tests run a private instance.
echo "postfix postfix/main_mailer_type select No configuration" | "${sudo[@]}" debconf-set-selections
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
