#!/usr/bin/env python3
# test-account-setup.py — first run: "Welcome to Convene", alice's account typed in against the
# real mail stack, "Test Connection", "Set Up"; then the main window's empty state, the settings
# saved (without the password) and the password in the keyring.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log, wait_for  # noqa: E402


def test(session):
    from gi.repository import GLib

    # An organisation's administrator may preset its own certificate authority.
    session.write_settings({'ca-file': GLib.Variant('s', session.stack['CA_FILE'])})
    session.start_app()
    ui = harness.Ui(session)

    welcome = ui.window('Welcome to Convene')
    set_up = ui.button(welcome, 'Set Up')
    check(not ui.sensitive(set_up), '"Set Up" is enabled before anything was typed')

    address = harness.fill_account_page(session, ui, welcome, ca_preset=True)
    ui.press(ui.button(welcome, 'Test Connection'))
    success = ui.wait_for_text(welcome, 'Connected')
    log(f'Test Connection says: {success}')
    # The whole page, the result of the test included, for review.
    ui.resize(welcome, 600, 1360)
    session.screenshot('account-page.png', window='Welcome to Convene')

    wait_for(lambda: ui.sensitive(set_up), '"Set Up" to be enabled')
    ui.press(set_up)

    main = ui.window('Convene')
    ui.wait_for_text(main, 'No Sessions')
    ui.button(main, 'Start a Session')
    ui.button(main, 'New Session')
    ui.window_gone('Welcome to Convene')
    session.screenshot('main-window-empty.png', window='Convene')

    stack = session.stack
    settings = wait_for(lambda: (lambda values: values.get('account-address') and values)(
        session.read_settings()), 'the account in the settings')
    log(f'saved settings: {settings}')
    expected = {
        'account-address': address,
        'account-name': 'Alice Example',
        'imap-host': stack['HOST'],
        'imap-port': int(stack['IMAPS_PORT']),
        'imap-security': 'tls',
        'smtp-host': stack['HOST'],
        'smtp-port': int(stack['SUBMISSION_PORT']),
        'smtp-security': 'starttls',
        'ca-file': stack['CA_FILE'],
    }
    for key, value in expected.items():
        check(settings.get(key, 'tls' if key.endswith('security') else None) == value,
              f'setting {key} is {settings.get(key)!r}, not {value!r}')
    check(settings.get('imap-user', '') in ('', address),
          f'imap-user is {settings.get("imap-user")!r}')
    check(settings.get('smtp-user', '') in ('', address),
          f'smtp-user is {settings.get("smtp-user")!r}')
    types = settings.get('session-types', [])
    check(any(entry[1] == f'videoconference@{stack["DOMAIN"]}' for entry in types)
          and any(entry[1] == f'whiteboard@{stack["DOMAIN"]}' for entry in types),
          f'the default session types are not on the account\'s domain: {types}')

    password = session.password('alice')
    for protocol in ('imap', 'smtp'):
        stored = session.lookup_password(protocol, stack['HOST'], address)
        check(stored == password, f'the {protocol} password is not in the keyring')
    check(password not in session.settings_text(), 'the password is in the settings file')
    check(password not in session.log_of('app', whole=True), 'the password is in the app\'s output')


harness.main(test)
