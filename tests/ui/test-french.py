#!/usr/bin/env python3
# test-french.py — the app speaks French under LANGUAGE=fr: the main window's header button, menu
# button and empty state, and the composer it opens, carry the French texts of po/fr.po, and
# none of the English ones is left. Screenshots: main-window-fr.png, composer-fr.png.
#
# The catalogue is compiled from the source tree's po/fr.po into a temporary directory laid out
# as an installed one (fr/LC_MESSAGES/convene.mo), which CONVENE_LOCALEDIR points the app at:
# nothing needs to be installed. The locale stays C.UTF-8 (what the harness gives every UI test,
# and the only one a minimal Debian has): glibc's gettext honours LANGUAGE for every locale but
# "C"/"POSIX", and C.UTF-8 is not "C". Dates keep the C locale's names (LC_TIME); messages are
# what this test checks.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log  # noqa: E402

# What the user reads, in po/fr.po's words (msgid → msgstr).
FRENCH = {
    'New Session': 'Nouvelle session',
    'Main Menu': 'Menu principal',
    'No Sessions': 'Aucune session',
    'Start a Session': 'Lancer une session',
    'Participants': 'Participants',
    'Title': 'Titre',
    'Session Type': 'Type de session',
    'Cancel': 'Annuler',
}


def compile_catalogue(session):
    """po/fr.po compiled into TOP/locale/fr/LC_MESSAGES/convene.mo; returns TOP/locale."""
    msgfmt = shutil.which('msgfmt')
    check(msgfmt is not None, 'msgfmt (gettext) is not installed')
    po_file = os.path.join(session.args.source_dir, os.pardir, 'po', 'fr.po')
    locale_dir = os.path.join(session.top, 'locale')
    messages_dir = os.path.join(locale_dir, 'fr', 'LC_MESSAGES')
    os.makedirs(messages_dir, exist_ok=True)
    result = subprocess.run([msgfmt, '--check', '-o', os.path.join(messages_dir, 'convene.mo'),
                             po_file], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            check=False)
    check(result.returncode == 0, f'msgfmt failed on {po_file}:\n' + result.stdout.decode())
    return locale_dir


def no_english(ui, root, names):
    """None of NAMES (the English originals) is a showing accessible's name under ROOT."""
    left = [name for name in names if ui.find_all(root, name)]
    check(not left, f'still in English: {left}')


def test(session):
    locale_dir = compile_catalogue(session)
    harness.preconfigure_account(session)
    # start_app() copies this process's environment and sets LANG/LC_ALL to C.UTF-8.
    os.environ['LANGUAGE'] = 'fr'
    os.environ['CONVENE_LOCALEDIR'] = locale_dir
    # The background service built beside the app (it inherits both variables), so that the
    # window shows no "could not be started" toast in its screenshot.
    service = os.path.join(os.path.dirname(session.args.app), 'convene-service')
    if os.access(service, os.X_OK):
        os.environ['CONVENE_SERVICE'] = service
    session.start_app()
    log(f'LANGUAGE=fr, CONVENE_LOCALEDIR={locale_dir}')
    ui = harness.Ui(session)

    main = ui.window('Convene')
    ui.button(main, FRENCH['New Session'])
    ui.find(main, FRENCH['Main Menu'], what=f'the menu button "{FRENCH["Main Menu"]}"')
    ui.wait_for_text(main, FRENCH['No Sessions'])
    ui.button(main, FRENCH['Start a Session'])
    no_english(ui, main, ['New Session', 'Main Menu', 'No Sessions', 'Start a Session'])
    session.screenshot('main-window-fr.png', window='Convene')
    log('the main window is in French')

    ui.press(ui.button(main, FRENCH['New Session']))
    composer = ui.window(FRENCH['New Session'])
    for field in ('Participants', 'Title'):
        ui.entry(composer, FRENCH[field])
    ui.find(composer, FRENCH['Session Type'], what=f'the row "{FRENCH["Session Type"]}"')
    ui.button(composer, FRENCH['Cancel'])
    no_english(ui, composer, ['Title', 'Session Type', 'Cancel', 'Send'])
    session.screenshot('composer-fr.png', window=FRENCH['New Session'])
    log('the composer is in French')


if __name__ == '__main__':
    harness.main(test)
