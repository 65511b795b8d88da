#!/usr/bin/env python3
# test-screenshots.py — the join prompt, its countdown and the session list, with the real service
# behind them (E451–E453), saved as screenshots for review: bob receives two invitations (one in
# 20 min, one in 2 h); `convene --session ID` shows the first one's join prompt (title, times in
# bob's zone, organizer, participants, his link; Join / Not Now); Join there reaches the service
# (the store says accepted) and the prompt counts down; the manager's address then reschedules
# the session 30 min later (a higher SEQUENCE) and the countdown moves with it; the main window
# lists both sessions, the second with a Join button.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_harness as sh  # noqa: E402  (puts tests/ui on the path)
import harness  # noqa: E402
from service_harness import check, log, wait_for  # noqa: E402


def countdown_minutes(texts):
    """The minutes of the first "Starts in [H h ]M min" among TEXTS, or None."""
    for text in texts:
        match = re.search(r'Starts in (?:(\d+) h )?(\d+) min', text)
        if match:
            return int(match.group(1) or 0) * 60 + int(match.group(2))
    return None


def test(run):
    session = run.session
    run.start_manager(join_early='0s')
    bob = run.user('bob')
    bob.configure()
    bob.start_service()

    title = f'Design review {uuid.uuid4().hex[:4]}'
    other_title = f'Retrospective {uuid.uuid4().hex[:4]}'
    start = int(time.time()) + 20 * 60
    start -= start % 60   # whole minutes: the screenshots read better
    end = start + 45 * 60
    sh.send_request(session, 'alice', ['bob', 'carol'], title, start, end)
    sh.send_request(session, 'carol', ['bob'], other_title, start + 2 * 3600,
                    start + 3 * 3600)
    invitation = sh.wait_invitation(session, 'bob', title)
    other = sh.wait_invitation(session, 'bob', other_title)
    session_id = invitation.session_id
    for wanted in (session_id, other.session_id):
        bob.wait_notification(lambda n, wanted=wanted: any(wanted in k for k in n.actions),
                              f'the invitation {wanted}')

    # The join prompt.
    bob.start_ui('--session', session_id)
    ui = harness.Ui(session)
    prompt = ui.window(title)
    join = ui.button(prompt, 'Join')
    ui.button(prompt, 'Not Now')
    texts = ui.visible_texts(prompt)
    log(f'the prompt shows: {texts}')
    check(any('alice' in text for text in texts), 'the prompt does not show the organizer')
    check(any(sh.APP_ZONE in text for text in texts), f'the prompt does not name {sh.APP_ZONE}')
    before = countdown_minutes(texts)
    check(before is not None and 17 <= before <= 20, f'countdown {before} min, not ~19')
    session.screenshot('join-prompt.png', window=title)

    # Join: the service records it; the prompt says so and counts down.
    ui.press(join)
    bob.wait_record(session_id, lambda r: r['status'] == 'accepted',
                    'accepted after the prompt\'s Join')
    ui.wait_for_text(title, 'Joined')
    session.screenshot('countdown.png', window=title)

    # Rescheduled 30 min later by the manager's address: the countdown moves.
    sequence = int(invitation.properties['SEQUENCE'])
    update = sh.edit_invitation(invitation.raw, calendar={
        'SEQUENCE': f'SEQUENCE:{sequence + 1}',
        'DTSTART': f'DTSTART:{sh.ical_time(start + 1800)}',
        'DTEND': f'DTEND:{sh.ical_time(end + 1800)}',
    }, headers={'Message-ID': f'<update-{uuid.uuid4().hex}@{session.stack["DOMAIN"]}>'})
    sh.append(session, 'bob', update)
    bob.wait_record(session_id, lambda r: r['starts_at'] == start + 1800, 'the start moved')

    def moved():
        window = ui.window(title)
        minutes = countdown_minutes(ui.visible_texts(window))
        return minutes is not None and minutes >= before + 28 and minutes
    after = wait_for(moved, 'the countdown to move 30 min later', timeout=30)
    log(f'countdown: {before} min, then {after} min after the reschedule')
    session.screenshot('countdown-moved.png', window=title)

    # The main window: both sessions, the one not joined yet with its Join button.
    bob.start_ui()
    main = ui.window('Convene')
    ui.wait_for_text(main, title)
    ui.wait_for_text(main, other_title)
    ui.button(main, 'Join')
    log(f'the main window shows: {ui.visible_texts(main)}')
    session.screenshot('session-list.png', window='Convene')
    run.check_logs(secrets=[invitation.token, other.token])


sh.main(test)
