#!/usr/bin/env python3
# test-compose-invalid.py — the composer says why a request cannot be sent: "Send" stays disabled
# without participants, with the manager address typed as a participant (and the field says
# why), and with a start time that is not HH:MM; it is enabled once the request is valid. The
# user's own address typed as a participant makes no chip (the request does not name them: the
# manager invites the initiator anyway) and a note says so; a name that looks like another
# address shows the real address on the chip.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import datetime
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, log, wait_for  # noqa: E402


def test(session):
    harness.preconfigure_account(session)
    domain = session.stack['DOMAIN']
    manager = f'videoconference@{domain}'
    bob = session.address('bob')
    alice = session.address('alice')
    dave = session.address('dave')
    carol = session.address('carol')
    session.start_app()
    ui = harness.Ui(session)

    main = ui.window('Convene')
    # Ctrl+N, typed into the main window (no window manager runs: the pointer gives X's focus).
    ui.click(ui.button(main, 'Main Menu'))
    ui.press_key('Escape')
    ui.key_combo('ctrl+n')
    composer = ui.window('New Session')
    # Tall enough for every row to be on screen, where clicks reach it.
    ui.resize(composer, 600, 900)
    send = ui.button(composer, 'Send')
    ui.choose(composer, 'Session Type', 'Videoconference')
    ui.set_text(ui.entry(composer, 'Title'), 'Invalid requests')
    check(not ui.sensitive(send), '"Send" is enabled with no participants')

    entry = harness.type_address(ui, composer, 'Participants', manager)
    why = ui.wait_for_text(composer, f'{manager} is the address that starts')
    log(f'the manager address as a participant: {why}')
    check(not ui.sensitive(send), '"Send" is enabled with the manager address as participant')
    check(not ui.find_all(composer, f'Remove {manager}'), 'the manager address became a chip')
    session.screenshot('composer-manager-participant.png', window='New Session')

    ui.set_text(entry, '')
    wait_for(lambda: not any(f'{manager} is the address' in text
                             for text in ui.visible_texts(composer)),
             'the error to go with the text')

    # Her own address: taken, without a chip, with a note.
    harness.type_address(ui, composer, 'Participants', alice)
    note = ui.wait_for_text(composer, 'You are always invited to your own sessions')
    log(f'alice as a participant: {note}')
    check(not ui.find_all(composer, f'Remove {alice}'), 'alice\'s own address became a chip')
    check(ui.text_of(entry) == '', f'the entry still reads "{ui.text_of(entry)}"')
    check(not ui.sensitive(send), '"Send" is enabled with only alice as participant')

    # "carol@… <dave@…>" goes to dave: the chip says dave's address, not carol's.
    harness.type_address(ui, composer, 'Participants', f'"{carol}" <{dave}>')
    ui.button(composer, f'Remove {dave}')
    chip_texts = [ui.text_of(node)
                  for node in ui.find_all(composer, roles=(ui.pyatspi.ROLE_LABEL,))]
    check(dave in chip_texts, f'no chip reads {dave}: {chip_texts}')
    check(carol not in chip_texts, f'a chip reads {carol} for {dave}')
    check(not any('You are always invited' in text for text in ui.visible_texts(composer)),
          'the note stayed after the next address')

    harness.add_address(ui, composer, 'Participants', bob)
    wait_for(lambda: ui.sensitive(send), '"Send" to be enabled with bob as participant')

    schedule = ui.find(composer, 'Schedule', (ui.pyatspi.ROLE_CHECK_BOX,),
                       'the "Schedule" switch')
    if not ui.checked(schedule):
        ui.press(schedule)
    zone = zoneinfo.ZoneInfo(harness.APP_ZONE)
    tomorrow = datetime.datetime.now(zone).date() + datetime.timedelta(days=1)
    ui.set_text(ui.entry(composer, 'Start Date'), tomorrow.isoformat())
    ui.set_text(ui.entry(composer, 'Start Time'), '25:99')
    why = ui.wait_for_text(composer, 'start time as HH:MM')
    log(f'a start time of 25:99: {why}')
    wait_for(lambda: not ui.sensitive(send), '"Send" to be disabled by the bad start time')

    ui.press(schedule)
    wait_for(lambda: ui.sensitive(send), '"Send" to be enabled without a schedule')
    check(not session.messages('videoconference'), 'something was sent')


harness.main(test)
