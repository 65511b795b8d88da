#!/usr/bin/env python3
# test-reject-forged.py — mail that looks like an invitation but is not one the user may trust
# (E450): bob's mail server stamps Authentication-Results as mx.example.test, which bob's settings
# trust. Alice's request makes the real manager mail bob a real invitation; from it the test
# makes look-alikes and delivers them straight into bob's INBOX (IMAP APPEND), each with a session
# id of its own:
#   - the manager's own mail, unstamped (the trusted server did not vouch for it);
#   - a forged From (an attacker's address with the manager's name) over the manager's calendar;
#   - the manager's From over a calendar sent by someone else (SENT-BY disagrees);
#   - a consistent invitation from an unknown manager address (From and SENT-BY agree);
#   - the manager's mail with "Authentication-Results: mx.example.test; dmarc=fail";
#   - the manager's mail with a trusted Authentication-Results whose server is another one;
# and last a control: the manager's mail stamped "dmarc=pass" by the trusted server. The watcher
# handles INBOX in order, so once the control's notification shows, every look-alike was judged:
# none may have a notification, a stored session or a launch, and the service's log says why it
# ignored each.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_harness as sh  # noqa: E402
from service_harness import TRUSTED_AUTHSERV_ID, check, log  # noqa: E402


def new_id():
    # The manager's ids are base64url; the look-alikes' are of the same shape.
    return 'x' + uuid.uuid4().hex[:15]


def test(run):
    session = run.session
    domain = session.stack['DOMAIN']
    manager_address = f'videoconference@{domain}'
    run.start_manager(join_early='0s')
    bob = run.user('bob')
    bob.configure(trusted_authserv_id=TRUSTED_AUTHSERV_ID)
    bob.start_service()

    title = f'Look-alikes {uuid.uuid4().hex[:8]}'
    start = int(time.time()) + 3600
    sh.send_request(session, 'alice', ['bob'], title, start, start + 1800)
    real = sh.wait_invitation(session, 'bob', title)
    check(real.message['Authentication-Results'] is None,
          'the stack stamps Authentication-Results itself: the unstamped case is not one')

    pass_stamp = (f'Authentication-Results: {TRUSTED_AUTHSERV_ID}; dkim=pass '
                  f'header.d={domain}; dmarc=pass header.from={domain}')
    fail_stamp = (f'Authentication-Results: {TRUSTED_AUTHSERV_ID}; dkim=fail '
                  f'header.d={domain}; dmarc=fail header.from={domain}')
    other_stamp = (f'Authentication-Results: mx.evil.test; dkim=pass header.d={domain}; '
                   f'dmarc=pass header.from={domain}')
    sent_by = 'ORGANIZER;CN=Alice Example;SENT-BY="mailto:{}":mailto:' + session.address('alice')
    cases = {
        'forged From': dict(
            headers={'From': f'"{manager_address}" <videoconference@evil.test>'},
            prepend=[pass_stamp.replace(f'={domain}', '=evil.test')]),
        'SENT-BY not From': dict(
            calendar={'ORGANIZER': sent_by.format('mallory@evil.test')},
            prepend=[pass_stamp]),
        'unknown manager': dict(
            headers={'From': f'Alice Example via Convene <meetings@{domain}>'},
            calendar={'ORGANIZER': sent_by.format(f'meetings@{domain}')},
            prepend=[pass_stamp]),
        'dmarc=fail': dict(prepend=[fail_stamp]),
        'untrusted server': dict(prepend=[other_stamp]),
    }
    ids = {'unstamped': real.session_id}
    for name, edits in cases.items():
        ids[name] = new_id()
        sh.append(session, 'bob', sh.edit_invitation(real.raw, session_id=ids[name], **edits))
        log(f'appended "{name}" as session {ids[name]}')
    control = new_id()
    sh.append(session, 'bob', sh.edit_invitation(real.raw, session_id=control,
                                                 prepend=[pass_stamp]))
    log(f'appended the control as session {control}')

    bob.wait_notification(lambda n: any(control in key for key in n.actions),
                          f'the control invitation {control}')
    notified = [n for n in bob.notifications()
                if any(session_id in key or session_id in n.body
                       for session_id in ids.values() for key in n.actions)]
    check(not notified, f'look-alikes were notified: {notified}')
    check(len(bob.notifications()) == 1, f'notifications: {bob.notifications()}')
    stored = bob.store_rows()
    check(set(stored) == {control}, f'stored sessions: {sorted(stored)} (control {control}, '
          f'look-alikes {ids})')
    check(not bob.launches(), f'launched: {bob.launches()}')

    # The service says why it ignored each mail: one line per message (by its UID; alice's
    # request to bob is one more mail it ignored).
    ignored = [line for line in bob.service_log(whole=True).splitlines()
               if re.search(r'UID \d+ .*ignored', line)]
    log('the service on the mail it ignored:\n' + '\n'.join(ignored))
    uids = {re.search(r'UID (\d+)', line).group(1) for line in ignored}
    check(len(uids) >= len(ids), f'the service\'s log gives a reason for {len(uids)} mails, '
          f'not for the {len(ids)} look-alikes')
    check(all(line.split('ignored', 1)[1].strip(' :') for line in ignored),
          'a mail was ignored without a reason')
    run.check_logs(secrets=[real.token, real.link])


sh.main(test)
