#!/usr/bin/env python3
# test-join-launch-close.py — the main case, end to end (E450–E458): alice mails a
# request for a videoconference with bob, starting in ~45 s and lasting 60 s; the real manager
# mails the invitations; alice's and bob's services (each in a desktop session of their own) each
# show a notification with Join and Dismiss. Bob presses Join, alice Dismiss, both before the
# start. Nothing is launched before the start; at the start bob's command runs the test
# collaboration program with HIS personal link; mid-session bob's service is killed (-9) and
# started again: the program is not launched a second time, and at the end it gets SIGTERM all
# the same, within 1 s after the end and not before. Alice's service launches nothing. No log
# holds a password or a token.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_harness as sh  # noqa: E402
from service_harness import check, log, wait_for  # noqa: E402

LEAD = 45       # seconds from the request to the start
LENGTH = 60     # seconds the session lasts


def test(run):
    session = run.session
    # The gateway opens the session 20 s before its start (the manager's join-early; its default
    # is 10 min): the app still waits for the start itself.
    manager = run.start_manager(join_early='20s')
    alice = run.user('alice')
    bob = run.user('bob')
    for user in (alice, bob):
        user.configure()
        user.start_service()

    title = f'Launch check {uuid.uuid4().hex[:8]}'
    start = int(time.time()) + LEAD
    end = start + LENGTH
    sh.send_request(session, 'alice', ['bob'], title, start, end)

    to_bob = sh.wait_invitation(session, 'bob', title)
    to_alice = sh.wait_invitation(session, 'alice', title)
    session_id = to_bob.session_id
    check(to_alice.session_id == session_id, 'alice and bob were invited to different sessions')
    check(f'/s/{session_id}?t=' in to_bob.link, f'bob\'s link is not a personal link: '
          f'{to_bob.link.split("?")[0]}')
    check(to_bob.token != to_alice.token, 'alice and bob have the same token')

    def invitation_of(notification):
        return any(session_id in key for key in notification.actions)
    bob_notification = bob.wait_notification(invitation_of, f'the invitation {session_id}')
    alice_notification = alice.wait_notification(invitation_of, f'the invitation {session_id}')
    for notification in (bob_notification, alice_notification):
        check(title in notification.summary + notification.body,
              f'the notification does not name the session "{title}": {notification}')
        check('Join' in notification.actions.values() and
              'Dismiss' in notification.actions.values(),
              f'the notification lacks Join or Dismiss: {notification}')
        # The session type's icon (GLib's freedesktop backend sends a themed icon as image-path).
        check(notification.hints.get('image-path') == 'camera-web-symbolic',
              f'the notification does not show the type\'s icon: {notification}')
    for notification, label, action in ((bob_notification, 'Join', 'app.join'),
                                         (bob_notification, 'Dismiss', 'app.dismiss')):
        check(sh.parse_action(notification.key_of(label)) == (action, session_id),
              f'{label} is {notification.key_of(label)!r}, not {action} with the session id')

    check(time.time() < start - 5,
          f'the notifications came {time.time() - start:.1f} s from the start: too late to join '
          'before it (a slow machine? raise LEAD)')
    bob.invoke(bob_notification, 'Join')
    alice.invoke(alice_notification, 'Dismiss')
    bob.wait_record(session_id, lambda r: r['status'] == 'accepted', 'accepted after Join')
    alice.wait_record(session_id, lambda r: r['dismissed'] == 1, 'dismissed after Dismiss')

    # Nothing runs before the start; the program starts at it.
    def launched():
        launches = bob.launches()
        if launches and launches[0].ready():
            return launches[0]
        check(time.time() < start + 30, 'no launch 30 s after the start')
        return None
    launch = wait_for(launched, 'bob\'s program to start', timeout=LEAD + 60)
    started = launch.started()
    log(f'bob\'s program started {started - start:+.3f} s from the start: {launch}')
    check(started >= start, f'bob\'s program started {start - started:.3f} s BEFORE the start')
    check(started <= start + 5, f'bob\'s program started {started - start:.1f} s after the start')
    argv = launch.argv()
    # (The link is his credential: a failure says what differs without printing it.)
    check(argv == ['--link', to_bob.link, '--title', title],
          f'bob\'s program got {len(argv or [])} arguments, not --link <his link> --title '
          f'"{title}"' + ('' if argv is None or to_bob.link in argv
                          else ' (his link is not among them)'))
    bob.wait_record(session_id, lambda r: r['status'] == 'running' and r['launch_count'] == 1,
                    'running, launched once')

    # Mid-session: kill -9 of bob's service, then a new one.
    wait_for(lambda: bob.record(session_id)['launch_pgid'] == launch.leader(),
             'the launch\'s process group in the store', timeout=10)
    sh.wait_until(start + LENGTH // 3, 'a third of the session')
    bob.kill_service()
    check(launch.alive(), 'the program died with the service')
    check(time.time() < end - 15, 'too close to the end to restart the service mid-session')
    bob.start_service()

    # At the end: SIGTERM, within 1 s after the end, not before; only one launch ever.
    def terminated():
        at = launch.terminated_at()
        check(at is None or at >= end, f'SIGTERM came {end - (at or 0):.3f} s BEFORE the end')
        check(time.time() < end + 30, 'no SIGTERM 30 s after the end')
        return at
    terminated_at = wait_for(terminated, 'SIGTERM to bob\'s program', timeout=LENGTH + 60)
    log(f'SIGTERM handled {terminated_at - end:+.3f} s from the end')
    check(end <= terminated_at <= end + 1,
          f'SIGTERM handled {terminated_at - end:.3f} s after the end (more than 1 s)')
    check(launch.signals() == ['term'], f'signals received: {launch.signals()}')
    wait_for(lambda: not launch.alive(), 'bob\'s program and its child to exit', timeout=15)
    check(len(bob.launches()) == 1, f'bob\'s program was launched {len(bob.launches())} times: '
          f'{bob.launches()}')
    bob.wait_record(session_id, lambda r: r['status'] == 'ended', 'ended')
    check(bob.record(session_id)['launch_count'] == 1,
          f'launch_count {bob.record(session_id)["launch_count"]}')

    # Alice dismissed it: never launched, and it is past now.
    alice.wait_record(session_id, lambda r: r['status'] == 'missed', 'missed', timeout=30)
    check(not alice.launches(), f'alice\'s service launched {alice.launches()}')

    check(bob.service_running() and alice.service_running(), 'a service exited')
    run.check_logs(secrets=[to_bob.token, to_alice.token, to_bob.link, to_alice.link])
    log(f'gateway now: {manager.gateway(to_bob.link[len(manager.public_url):])[0]}')


sh.main(test)
