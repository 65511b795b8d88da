#!/usr/bin/env python3
# test-compose-send.py — with alice's account set up, "New Session": a videoconference with bob,
# carol in Cc, scheduled tomorrow 14:00 for 1 hour in the app's zone (Europe/Paris); "Send".
# Then bob, carol and the manager address have the request (read over IMAP with the stack's CA),
# alice's Sent folder has its copy, and `convene-manager inspect` reads from the manager's copy
# the right type, participants, Cc and the start and end in UTC.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime
import json
import os
import subprocess
import sys
import time
import uuid
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log, wait_for  # noqa: E402

APP_ZONE = harness.APP_ZONE
# The manager's own zone differs from the app's and from UTC, so that a request with floating
# times (read in the manager's zone) would give other UTC times and fail the test.
MANAGER_ZONE = 'America/New_York'


def manager_config(session):
    domain = session.stack['DOMAIN']
    path = os.path.join(session.top, 'manager.ini')
    with open(path, 'w') as config:
        config.write(f'''[manager]
timezone = {MANAGER_ZONE}
default-duration = 60m

[type videoconference]
address = videoconference@{domain}
default = true
backend = url
url = https://meet.{domain}/{{room}}

[type whiteboard]
address = whiteboard@{domain}
backend = url
url = https://board.{domain}/{{room}}
''')
    return path


def test(session):
    alice = harness.preconfigure_account(session)
    domain = session.stack['DOMAIN']
    bob, carol = session.address('bob'), session.address('carol')
    manager = f'videoconference@{domain}'
    session.start_app(tz=APP_ZONE)
    ui = harness.Ui(session)

    main = ui.window('Convene')
    ui.press(ui.button(main, 'New Session'))
    composer = ui.window('New Session')
    # Tall enough for every row to be on screen, where clicks reach it.
    ui.resize(composer, 600, 900)
    send = ui.button(composer, 'Send')
    check(not ui.sensitive(send), '"Send" is enabled in an empty composer')

    ui.choose(composer, 'Session Type', 'Videoconference')
    harness.add_address(ui, composer, 'Participants', bob)
    harness.add_address(ui, composer, 'Cc', carol, separator='Return')
    title = f'Design review {uuid.uuid4().hex[:8]}'
    ui.set_text(ui.entry(composer, 'Title'), title)

    zone = zoneinfo.ZoneInfo(APP_ZONE)
    tomorrow = datetime.datetime.now(zone).date() + datetime.timedelta(days=1)
    start = datetime.datetime.combine(tomorrow, datetime.time(14, 0), tzinfo=zone)
    end = start + datetime.timedelta(hours=1)
    schedule = ui.find(composer, 'Schedule', (ui.pyatspi.ROLE_CHECK_BOX,),
                       'the "Schedule" switch')
    if not ui.checked(schedule):
        ui.press(schedule)
    wait_for(lambda: ui.checked(schedule), 'the "Schedule" switch to be on')
    ui.set_text(ui.entry(composer, 'Start Date'), tomorrow.isoformat())
    ui.set_text(ui.entry(composer, 'Start Time'), '14:00')
    # 1 hour may be the default (default-duration): go through another choice to get there.
    ui.choose(composer, 'Duration', '2 hours')
    ui.choose(composer, 'Duration', '1 hour')

    wait_for(lambda: ui.sensitive(send), '"Send" to be enabled')
    # The whole form, unscrolled, for review.
    ui.resize(composer, 600, 1010)
    session.screenshot('composer.png', window='New Session')
    ui.press(send)
    ui.window_gone('New Session', timeout=120)
    # No reference taken before the composer closed is used after it: the main window is found
    # again (window_gone waited until GTK took the composer out of the tree).
    toast = ui.wait_for_text('Convene', 'Request sent', timeout=30)
    log(f'after Send: {toast}')
    main = ui.window('Convene')

    def toast_shown():
        check(session.app_running(), session.app_exit_message())
        return any('Request sent' in text for text in ui.visible_texts(main))
    # One toast: a second one would be queued behind it and shown as soon as it goes.
    wait_for(lambda: not toast_shown(), 'the toast to go')
    time.sleep(2)
    check(not toast_shown(), 'the toast was shown twice')

    raw, request = session.wait_for_message('videoconference', title)
    _, to_bob = session.wait_for_message('bob', title)
    _, to_carol = session.wait_for_message('carol', title)
    check(to_bob['Message-ID'] == request['Message-ID'] == to_carol['Message-ID'],
          'bob, carol and the manager did not get the same mail')
    check(request['From'].addresses[0].addr_spec == alice, f'From is {request["From"]}')
    to = [address.addr_spec for address in request['To'].addresses]
    cc = [address.addr_spec for address in request['Cc'].addresses]
    check(set(to) == {manager, bob}, f'To is {to}')
    check(cc == [carol], f'Cc is {cc}')

    sent_folders = [line for line in session.mailboxes('alice') if 'Sent' in line]
    log(f'alice\'s folders with Sent: {sent_folders}')
    check(sent_folders, 'alice has no Sent folder')
    name = sent_folders[0].rsplit(' ', 1)[-1].strip('"')
    _, copy = session.wait_for_message('alice', title, mailbox=name)
    check(copy['Message-ID'] == request['Message-ID'], 'the copy in Sent is another mail')

    received = os.path.join(session.top, 'received.eml')
    with open(received, 'wb') as eml:
        eml.write(raw)
    result = subprocess.run([session.args.manager, 'inspect', '--config', manager_config(session),
                             received], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    log('convene-manager inspect:\n' + result.stdout.decode() + result.stderr.decode())
    check(result.returncode == 0, f'inspect exited with {result.returncode}')
    seen = json.loads(result.stdout)
    utc = datetime.timezone.utc
    expected_start = start.astimezone(utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    expected_end = end.astimezone(utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    check(seen['type'] == 'videoconference', f'type {seen["type"]}')
    check(seen['manager_address'] == manager, f'manager address {seen["manager_address"]}')
    check(seen['title'] == title, f'title {seen["title"]}')
    check(seen['initiator'] == alice, f'initiator {seen["initiator"]}')
    check(bob in seen['participants'], f'participants {seen["participants"]}')
    check(carol not in seen['participants'], f'carol is a participant: {seen["participants"]}')
    check(seen['informational'] == [carol], f'informational {seen["informational"]}')
    check(seen['start'] == expected_start, f'start {seen["start"]}, not {expected_start}')
    check(seen['end'] == expected_end, f'end {seen["end"]}, not {expected_end}')
    check(seen['times_from'] == 'icalendar',
          f'times read from {seen["times_from"]}, not from the calendar part')
    check(not seen['errors'], f'errors {seen["errors"]}')
    check(session.password('alice') not in session.log_of('app', whole=True),
          'the password is in the app\'s output')


harness.main(test)
