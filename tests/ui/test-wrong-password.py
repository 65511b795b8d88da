#!/usr/bin/env python3
# test-wrong-password.py — first run with a wrong password: "Test Connection" says in the window
# that the server refused the user name or password, and nothing is saved.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log  # noqa: E402


def test(session):
    session.start_app()
    ui = harness.Ui(session)

    welcome = ui.window('Welcome to Convene')
    wrong = 'not-' + session.password('alice')
    harness.fill_account_page(session, ui, welcome, password=wrong)
    ui.press(ui.button(welcome, 'Test Connection'))
    sentence = ui.wait_for_text(welcome, 'refused the user name or password')
    log(f'Test Connection says: {sentence}')
    check(session.stack['HOST'] in sentence, f'the sentence does not name the server: {sentence}')
    check('Connected' not in ' '.join(ui.visible_texts(welcome)),
          'a success is shown next to the failure')
    ui.resize(welcome, 600, 1360)
    session.screenshot('account-wrong-password.png', window='Welcome to Convene')

    check(not session.read_settings().get('account-address'),
          'a failed test saved the account')
    check(session.lookup_password('imap', session.stack['HOST'], session.address('alice'))
          is None, 'a failed test stored the password')
    check(wrong not in session.log_of('app', whole=True), 'the password is in the app\'s output')


harness.main(test)
