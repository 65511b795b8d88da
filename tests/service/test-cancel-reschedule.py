#!/usr/bin/env python3
# test-cancel-reschedule.py — what the manager changes after the invitation (E450, E453):
# 1. Cancel: alice's request starts in ~45 s; bob presses Join on its notification; the admin
#    cancels it (`convene-manager session cancel ID`), the manager mails the METHOD:CANCEL, and
#    bob's service withdraws the notification (CloseNotification with its id) and marks the session
#    cancelled; at its start (and after) nothing is launched.
# 2. Reschedule: a second request, an hour ahead; bob joins it; then an update of bob's invitation
#    from the manager's address with a higher SEQUENCE and times 30 min later reaches his INBOX:
#    the stored start and end move, the session stays joined; an update with a LOWER sequence
#    (a late copy of an older version) afterwards changes nothing.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_harness as sh  # noqa: E402
from service_harness import check, log, wait_for  # noqa: E402

LEAD = 45


def test(run):
    session = run.session
    manager = run.start_manager(join_early='0s')
    bob = run.user('bob')
    bob.configure()
    bob.start_service()

    # 1. Cancel.
    title = f'Cancelled {uuid.uuid4().hex[:8]}'
    start = int(time.time()) + LEAD
    sh.send_request(session, 'alice', ['bob'], title, start, start + 60)
    invitation = sh.wait_invitation(session, 'bob', title)
    cancelled_id = invitation.session_id
    notification = bob.wait_notification(lambda n: any(cancelled_id in k for k in n.actions),
                                          f'the invitation {cancelled_id}')
    bob.invoke(notification, 'Join')
    bob.wait_record(cancelled_id, lambda r: r['status'] == 'accepted', 'accepted after Join')
    manager.cancel(cancelled_id)
    cancel = sh.wait_invitation(session, 'bob', title, method='CANCEL')
    check(cancel.session_id == cancelled_id, 'the cancel is for another session')
    wait_for(lambda: notification.id in bob.closed_ids(),
             f'CloseNotification({notification.id}) on bob\'s notification daemon', timeout=60)
    bob.wait_record(cancelled_id, lambda r: r['status'] == 'cancelled', 'cancelled')
    check(time.time() < start, 'the cancel came after the start: raise LEAD')
    # Past the start (plus the time a launch would take), nothing ran.
    sh.wait_until(start + 5, 'the cancelled session\'s start')
    check(not bob.launches(), f'a cancelled session was launched: {bob.launches()}')
    record = bob.record(cancelled_id)
    check(record['status'] == 'cancelled' and record['launch_count'] == 0,
          f'after its start: {record}')

    # 2. Reschedule.
    title = f'Moved {uuid.uuid4().hex[:8]}'
    start = int(time.time()) + 3600
    end = start + 1800
    sh.send_request(session, 'alice', ['bob'], title, start, end)
    invitation = sh.wait_invitation(session, 'bob', title)
    moved_id = invitation.session_id
    notification = bob.wait_notification(lambda n: any(moved_id in k for k in n.actions),
                                         f'the invitation {moved_id}')
    bob.invoke(notification, 'Join')
    record = bob.wait_record(moved_id, lambda r: r['status'] == 'accepted', 'accepted')
    check(record['starts_at'] == start and record['ends_at'] == end,
          f'stored times {record["starts_at"]}–{record["ends_at"]}, not {start}–{end}')
    sequence = int(invitation.properties['SEQUENCE'])
    new_start, new_end = start + 1800, end + 1800
    update = sh.edit_invitation(invitation.raw, calendar={
        'SEQUENCE': f'SEQUENCE:{sequence + 1}',
        'DTSTART': f'DTSTART:{sh.ical_time(new_start)}',
        'DTEND': f'DTEND:{sh.ical_time(new_end)}',
    }, headers={'Message-ID': f'<update-{uuid.uuid4().hex}@{session.stack["DOMAIN"]}>'})
    sh.append(session, 'bob', update)
    record = bob.wait_record(moved_id, lambda r: r['starts_at'] == new_start,
                             'the start moved 30 min later')
    check(record['ends_at'] == new_end, f'the end is {record["ends_at"]}, not {new_end}')
    check(record['sequence'] == sequence + 1, f'sequence {record["sequence"]}')
    check(record['status'] == 'accepted', f'after the update the session is {record["status"]}')
    log(f'rescheduled: {record["starts_at"] - start:+d} s; notifications now '
        f'{[n for n in bob.notifications() if any(moved_id in k for k in n.actions)]}')

    # A late copy of an older version changes nothing. To know it was read, a new invitation
    # (another session's) follows it, and its notification is waited for.
    stale = sh.edit_invitation(invitation.raw, calendar={
        'DTSTART': f'DTSTART:{sh.ical_time(start - 600)}',
    }, headers={'Message-ID': f'<stale-{uuid.uuid4().hex}@{session.stack["DOMAIN"]}>'})
    sh.append(session, 'bob', stale)
    marker = 'm' + uuid.uuid4().hex[:15]
    sh.append(session, 'bob', sh.edit_invitation(invitation.raw, session_id=marker))
    bob.wait_notification(lambda n: any(marker in k for k in n.actions), 'the marker invitation')
    record = bob.record(moved_id)
    check(record['starts_at'] == new_start and record['sequence'] == sequence + 1,
          f'an older SEQUENCE changed the session: {record}')
    check(not bob.launches(), f'launched: {bob.launches()}')

    # 3. Not running in background: the service stays while a joined session waits for its
    #    start, and goes once nothing is pending — here when the manager cancels that session
    #    (the marker invitation was never joined: it holds nothing).
    from gi.repository import GLib
    bob.write_settings({'run-in-background': GLib.Variant('b', False)})
    # Past GLib's inactivity timeout of a service (10 s) and the settings' reading: still there.
    # A negative can only be watched for a while; the wait is longer than the timeout.
    deadline = time.time() + 20
    while time.time() < deadline:
        check(bob.service_running(), 'the service exited while a joined session was pending')
        time.sleep(0.5)
    manager.cancel(moved_id)
    bob.wait_record(moved_id, lambda r: r['status'] == 'cancelled', 'cancelled by the manager')
    wait_for(lambda: not bob.service_running(),
             'bob\'s service to exit once nothing is pending', timeout=60)
    check(bob.service.returncode == 0,
          f'the service exited with {bob.service.returncode}:\n{bob.service_log()}')
    run.check_logs(secrets=[invitation.token, invitation.link])


sh.main(test)
