#!/usr/bin/env python3
# test-windows.py — the app's windows come and go cleanly: an empty composer closes with Ctrl+W
# and with Escape; a composer with a draft asks "Discard this request?" (Discard closes it, Keep
# Editing keeps it); Ctrl+Q asks the same before it quits, and quits once the last window is
# closed; About and Keyboard Shortcuts open one window each however often they are asked for.
# The harness fails the test on any GTK CRITICAL in the app's output (closing a composer logged
# some while its widgets were disposed).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log, wait_for  # noqa: E402


def open_composer(ui, main):
    ui.press(ui.button(main, 'New Session'))
    composer = ui.window('New Session')
    # The keyboard goes where the pointer is (no window manager runs): into the composer.
    ui.click(ui.entry(composer, 'Title'))
    return composer


def question(ui):
    """The "Discard this request?" dialog and its two buttons."""
    dialog = ui.window('Discard this request?')
    return dialog, ui.button(dialog, 'Discard'), ui.button(dialog, 'Keep Editing')


def count_windows(ui, fragment):
    return len([window for window in ui.windows()
                if fragment in window.name and ui.showing(window)])


def open_from_menu(ui, main, item):
    ui.click(ui.button(main, 'Main Menu'))
    entry = ui.find(main, item, (ui.pyatspi.ROLE_MENU_ITEM,), f'the menu item "{item}"')
    ui.press(entry)


def activate_action(name):
    """Activates the app action NAME as another part of the desktop does (a second launch, the
    background service): org.gtk.Actions on the running UI's bus name."""
    from gi.repository import Gio, GLib
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    bus.call_sync('io.github.convene.Convene.Ui', '/io/github/convene/Convene',
                  'org.gtk.Actions', 'Activate', GLib.Variant('(sava{sv})', (name, [], {})),
                  None, Gio.DBusCallFlags.NONE, 5000, None)


def test(session):
    harness.preconfigure_account(session)
    session.start_app()
    ui = harness.Ui(session)
    main = ui.window('Convene')

    # An empty composer closes at once, by Ctrl+W and by Escape.
    open_composer(ui, main)
    ui.key_combo('ctrl+w')
    ui.window_gone('New Session')
    open_composer(ui, main)
    ui.press_key('Escape')
    ui.window_gone('New Session')
    log('an empty composer closed with Ctrl+W and with Escape')

    # A draft is not lost without asking: Discard.
    composer = open_composer(ui, main)
    ui.set_text(ui.entry(composer, 'Title'), 'A draft')
    ui.key_combo('ctrl+w')
    dialog, discard, keep = question(ui)
    session.screenshot('composer-discard.png', window='Discard this request?')
    ui.press(discard)
    ui.window_gone('New Session')
    log('a draft closed after "Discard"')

    # About and Keyboard Shortcuts: one window each, however often they are asked for (from
    # the menu, then again from outside: the About window is modal).
    before = [window.name for window in ui.windows() if ui.showing(window)]
    for item, action in (('About Convene', 'about'), ('Keyboard Shortcuts', 'shortcuts')):
        open_from_menu(ui, main, item)
        opened = wait_for(lambda: [window.name for window in ui.windows()
                                   if ui.showing(window) and window.name not in before],
                          f'the window of "{item}"')
        log(f'"{item}" opened {opened}')
        activate_action(action)
        activate_action(action)
        wait_for(lambda: session.app_running() and ui.application() is not None, 'the app')
        now = [window.name for window in ui.windows()
               if ui.showing(window) and window.name not in before]
        check(now == opened, f'"{item}" asked for three times opened {now}')
        window = ui.window(opened[0])
        ui.click(window)
        ui.key_combo('Escape' if action == 'shortcuts' else 'ctrl+w')
        ui.window_gone(opened[0])

    # Ctrl+Q with a draft asks first; "Keep Editing" cancels the quit.
    composer = open_composer(ui, main)
    ui.set_text(ui.entry(composer, 'Title'), 'Another draft')
    ui.key_combo('ctrl+q')
    dialog, discard, keep = question(ui)
    ui.press(keep)
    ui.window_gone('Discard this request?')
    check(session.app_running(), 'the app quit although the user kept editing')
    check(ui.window('New Session') and ui.window('Convene'), 'a window closed')
    check(ui.text_of(ui.entry(composer, 'Title')) == 'Another draft', 'the draft changed')
    log('Ctrl+Q asked about the draft; "Keep Editing" kept the app and its windows')

    # Ctrl+Q again, "Discard": every window closes and the app ends by itself.
    ui.click(ui.entry(composer, 'Title'))
    ui.key_combo('ctrl+q')
    dialog, discard, keep = question(ui)
    ui.press(discard)
    wait_for(lambda: not session.app_running(), 'the app to quit after "Discard"')
    check(session.app.returncode == 0, session.app_exit_message())
    log('Ctrl+Q, "Discard": the app quit')


harness.main(test)
