#!/usr/bin/env python3
# demo-room.py — the demo's "collaboration software": what a session type's command template
# launches in the demo (`demo-room.py RECORDS --link %u --title %t --user NAME`).
#
# A real deployment launches a video-call or whiteboard program; the demo has none, so this stands
# in for it: with a display it shows a small GTK window ("Design review — Bob is in the room"),
# without one it only waits. Either way it records its launch as tests/service/collab-launch.sh
# does (RECORDS/launch-N: argv, pid, started, ready; "term" in `signals` and the time in `term-at`
# when the service ends it with SIGTERM at the session's end), so the demo can tell what happened.
# It never prints the link: the link holds the user's personal credential.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import signal
import sys
import time


def record_dir(root):
    n = 1
    while True:
        path = os.path.join(root, f'launch-{n}')
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            n += 1


def write(path, name, data):
    with open(os.path.join(path, name), 'ab' if name in ('signals', 'term-at') else 'wb') as out:
        out.write(data if isinstance(data, bytes) else data.encode())


def main():
    root = sys.argv[1]
    args = sys.argv[2:]
    options = dict(zip(args[0::2], args[1::2]))
    title = options.get('--title', 'Convene session')
    user = options.get('--user', '')
    path = record_dir(root)
    # The same records as fake-collab.sh's, with this process as leader, program and "grandchild".
    write(path, 'argv', b''.join(part.encode() + b'\0' for part in ['term', path] + args))
    for name in ('pid', 'leader', 'grandchild'):
        write(path, name, f'{os.getpid()}\n')
    write(path, 'started', f'{time.time():.9f}\n')

    def terminated(*_):
        write(path, 'term-at', f'{time.time():.9f}\n')
        write(path, 'signals', 'term\n')
        os._exit(0)
    signal.signal(signal.SIGTERM, terminated)

    window_shown = False
    if os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'):
        try:
            import gi
            gi.require_version('Gtk', '4.0')
            from gi.repository import GLib, Gtk
            window_shown = True
        except (ImportError, ValueError):
            window_shown = False
    write(path, 'ready', '')
    if not window_shown:
        while True:
            signal.pause()

    # SIGTERM through the main loop: GTK must not be interrupted inside a frame.
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: terminated() or False)
    app = Gtk.Application(application_id=None)

    def activate(application):
        window = Gtk.ApplicationWindow(application=application, title=title)
        window.set_default_size(420, 220)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=12)
        for margin in ('top', 'bottom', 'start', 'end'):
            getattr(box, f'set_margin_{margin}')(24)
        heading = Gtk.Label(label=title)
        heading.add_css_class('title-1')
        box.append(heading)
        who = f'{user.capitalize()} is in the room.' if user else 'You are in the room.'
        box.append(Gtk.Label(label=who))
        note = Gtk.Label(label='The Convene demo launched this window for the session: a real '
                         'session type launches your video-call or whiteboard software here. '
                         'Convene closes it when the session ends.', wrap=True)
        note.add_css_class('dim-label')
        box.append(note)
        window.set_child(box)
        window.present()
    app.connect('activate', activate)
    app.run([sys.argv[0]])


if __name__ == '__main__':
    main()
