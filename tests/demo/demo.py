#!/usr/bin/env python3
# demo.py — the whole system on one machine: the README's first command (through tests/demo.sh)
# and, with --check, the whole-system test (meson test system-demo).
#
# It starts the real mail stack on loopback (Dovecot + a private Postfix), the real session
# manager (`convene-manager run`: videoconference@ and whiteboard@, alice, bob and carol
# accredited, its join gateway on loopback) and, for alice, bob and carol, a desktop session of
# their own (HOME and XDG dirs, session bus, gnome-keyring with their mail passwords, a
# notification daemon) with the app's real background service, `convene-service`, configured as
# a finished first run leaves it. tests/service/service_harness.py does the plumbing.
#
# With a display (DISPLAY or WAYLAND_DISPLAY set, no --headless), alice's composer and bob's main
# window open on it: you write the request; each invitation opens the join prompt (what clicking
# the notification does); Join, and at the start the session's "software" (tests/demo/demo-room.py,
# a small window) opens and closes at the end. Ctrl+C stops everything.
#
# --headless runs the same flow by itself and prints each step:
#   1. alice's app sends a request (tests/demo/demo-compose: the composer's code, no window) for a
#      videoconference with bob, starting in a minute and lasting two;
#   2. the manager mails the invitations: alice and bob each get their own personal link;
#   3. their services show a notification with Join; both press Join;
#   4. at the start each service asks the gateway and launches the software with the user's link;
#   5. invite more (the seed's case): bob replies to his invitation adding carol; the manager
#      invites only carol; carol's service shows the invitation, she joins and her software starts
#      at once, while alice's and bob's keep running;
#   6. a cancel: alice schedules a whiteboard for tomorrow, the administrator cancels it: bob's
#      service drops its notification and will never launch it;
#   7. at the end every program is closed (SIGTERM), and no log holds a password, token or link.
# Every step is also an assertion: the demo stops at the first thing that does not happen.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import email
import email.policy
import email.utils
import os
import select
import shlex
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'service'))
import service_harness as sh  # noqa: E402  (puts tests/ui on the path)
import harness  # noqa: E402
from service_harness import check, wait_for  # noqa: E402

LEAD = 60      # seconds from alice's Send to the start
MINUTES = 2    # the session's length
STARTED = time.monotonic()


def parse_args():
    parser = sh.argument_parser('The Convene demo (see the file\'s header).',
                                screenshots_required=False)
    parser.add_argument('--headless', action='store_true',
                        help='no windows: run the whole flow and print each step')
    parser.add_argument('--check', action='store_true',
                        help='the whole-system test: quieter, stricter, exit status only')
    parser.add_argument('--compose', required=True, help='tests/demo/demo-compose')
    return parser.parse_args()


harness.parse_args = parse_args


def say(text=''):
    """A line for people (the harness's own lines go to CNV_HARNESS_LOG)."""
    elapsed = int(time.monotonic() - STARTED)
    stamp = f'[{elapsed // 60:2d}:{elapsed % 60:02d}] ' if text else ''
    try:
        print(stamp + text.replace('\n', '\n        '), flush=True)
    except OSError:
        pass  # the terminal is gone (SIGHUP): stopping goes on without it


def step(number, text):
    say()
    say(f'Step {number}: {text}')


def hidden_link(link):
    """A personal link as the demo may print it: the credential replaced by …."""
    return link.split('?', 1)[0] + ('?t=…' if '?' in link else '')


def utc_seconds(value):
    """Seconds since the epoch of an iCalendar UTC DATE-TIME (20261127T140000Z)."""
    import calendar
    try:
        return calendar.timegm(time.strptime(value, '%Y%m%dT%H%M%SZ'))
    except ValueError:
        raise sh.Failure(f'the invitation\'s DTSTART is not in UTC: {value!r}') from None


def clock(seconds):
    return time.strftime('%H:%M:%S', time.localtime(seconds))


# ---- the users ---------------------------------------------------------------------------------

def room_template(user):
    # This Python: the one demo.sh chose, which has GTK through python3-gi.
    return ' '.join([shlex.quote(sys.executable), shlex.quote(os.path.join(HERE, 'demo-room.py')),
                     shlex.quote(user.records),
                     '--link', '%u', '--title', '%t', '--user', user.name])


def host_zone():
    """This machine's zone name (the users' clocks agree with the demo's): $TZ, /etc/timezone,
    the /etc/localtime link, else UTC."""
    zone = os.environ.get('TZ', '').lstrip(':')
    if zone and not zone.startswith('/'):
        return zone
    try:
        with open('/etc/timezone') as timezone:
            zone = timezone.read().strip()
            if zone:
                return zone
    except OSError:
        pass
    link = os.path.realpath(zone or '/etc/localtime')
    return link.split('zoneinfo/', 1)[1].replace('posix/', '', 1) if 'zoneinfo/' in link else 'UTC'


def caller_locale():
    """The caller's language settings, for windows people read (None: the harness's C.UTF-8)."""
    found = {variable: value for variable, value in os.environ.items()
             if variable == 'LANGUAGE' or variable.startswith(('LANG', 'LC_'))}
    return found or None


def start_user(run, name, interactive):
    user = run.user(name, tz=host_zone(), locale=caller_locale() if interactive else None)
    if interactive:
        # The stand-in software opens a window for people; the tests' program records only.
        user.command_template = lambda: room_template(user)
    # Reminders a minute before the start and the end; the program gets 5 s to close.
    user.configure(remind_before=1, warn_before_end=1, close_grace=5)
    user.start_service()
    return user


def ui_env(user):
    """The user's environment for a window on the caller's display."""
    env = user.env()
    env.update({'CONVENE_UI': user.session.args.app, 'CONVENE_SERVICE': user.session.args.service,
                'GTK_A11Y': 'none'})
    return env


def compose(run, user, participants, title, manager='videoconference', start_in=LEAD,
            minutes=MINUTES):
    """Send in USER's composer, without a window (tests/demo/demo-compose)."""
    domain = run.session.stack['DOMAIN']
    argv = [run.session.args.compose, '--type', f'{manager}@{domain}', '--title', title,
            '--message', 'Let\'s look at it together.',
            '--start-in', str(start_in), '--minutes', str(minutes)]
    for participant in participants:
        argv += ['--to', run.session.address(participant)]
    result = subprocess.run(argv, env=user.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            timeout=120, check=False)
    output = result.stdout.decode(errors='replace').rstrip()
    say(output)
    check(result.returncode == 0, f'{user.name}\'s app could not send the request (exit '
          f'{result.returncode})')


def reply_adding(run, sender, invitation, added):
    """SENDER answers the manager's invitation with ADDED in To, as any mail client does."""
    session = run.session
    domain = session.stack['DOMAIN']
    original = invitation.message
    manager_address = email.utils.parseaddr(str(original['From']))[1]
    to = [manager_address] + [session.address(name) for name in added]
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message['From'] = f'{sender.capitalize()} Example <{session.address(sender)}>'
    message['To'] = ', '.join(to)
    message['Subject'] = 'Re: ' + str(original['Subject'])
    message['Date'] = email.utils.formatdate(localtime=False)
    message['Message-ID'] = email.utils.make_msgid(domain=domain)
    message['In-Reply-To'] = str(original['Message-ID'])
    message['References'] = str(original['Message-ID'])
    message.set_content('Carol should see this too.\n')
    context = ssl.create_default_context(cafile=session.stack['CA_FILE'])
    with smtplib.SMTP(session.stack['HOST'], int(session.stack['SUBMISSION_PORT']),
                      timeout=30) as smtp:
        smtp.starttls(context=context)
        smtp.login(session.address(sender), session.password(sender))
        smtp.send_message(message, session.address(sender), to)


def manager_mails(run, user, session_id, method='REQUEST'):
    """The manager's mails about SESSION_ID in USER's INBOX with the calendar METHOD."""
    found = []
    for raw, message in run.session.messages(user):
        if str(message['X-Convene-Session'] or '') != session_id:
            continue
        if message['X-Convene-Type'] is None:
            continue
        invitation = sh.Invitation(raw)
        if invitation.method == method:
            found.append(invitation)
    return found


def of_session(session_id):
    return lambda notification: any(session_id in key for key in notification.actions)


def show_notification(user, notification):
    buttons = '  '.join(f'[{label}]' for label in notification.actions.values() if label)
    say(f'{user.name}\'s notification: "{notification.summary}" — {notification.body}\n'
        f'{buttons}')


def launched(user, count=1):
    def ready():
        check(user.service_running(), f'{user.name}\'s service exited:\n' + user.service_log())
        launches = user.launches()
        return launches[count - 1] if len(launches) >= count and launches[count - 1].ready() \
            else None
    return ready


# ---- the headless flow ------------------------------------------------------------------------

def headless(run, manager, users):
    alice, bob, carol = users['alice'], users['bob'], users['carol']
    title = 'Design review'

    step(1, f'alice\'s app sends a request: a videoconference with bob, starting in {LEAD} s, '
         f'for {MINUTES} minutes')
    before = time.time()
    compose(run, alice, ['bob'], title)
    sent = [m for _, m in run.session.messages('alice', 'Sent') if title in str(m['Subject'])]
    check(len(sent) == 1, f'alice\'s Sent holds {len(sent)} copies of the request')
    say('the request is sent to videoconference@ by SMTP; a copy is in alice\'s Sent folder')

    step(2, 'the manager accredits the participants and mails each one a personal invitation')
    to_bob = sh.wait_invitation(run.session, 'bob', title)
    to_alice = sh.wait_invitation(run.session, 'alice', title)
    session_id = to_bob.session_id
    check(to_alice.session_id == session_id, 'alice and bob were invited to different sessions')
    check(to_bob.token and to_alice.token and to_bob.token != to_alice.token,
          'alice and bob do not have personal links of their own')
    say(f'session {session_id}: bob\'s link {hidden_link(to_bob.link)}, alice\'s '
        f'{hidden_link(to_alice.link)} (their own credential each)')
    start = utc_seconds(to_bob.properties.get('DTSTART', ''))
    check(abs(start - (before + LEAD)) < 90, f'the session starts at {clock(start)}, not in '
          f'{LEAD} s')
    check(not manager_mails(run, 'carol', session_id), 'carol was invited though nobody asked')

    step(3, 'their services show a notification with a Join button; alice and bob press Join')
    notifications = {}
    for user in (bob, alice):
        notification = user.wait_notification(of_session(session_id),
                                               f'the invitation {session_id}')
        check('Join' in notification.actions.values(), f'no Join button: {notification}')
        check(title in notification.summary + notification.body,
              f'the notification does not name "{title}": {notification}')
        show_notification(user, notification)
        notifications[user.name] = notification
    check(time.time() < start - 5, 'the notifications came too late to join before the start')
    for user in (bob, alice):
        user.invoke(notifications[user.name], 'Join')
        user.wait_record(session_id, lambda r: r['status'] == 'accepted', 'accepted after Join')
        say(f'{user.name} pressed Join: the service will launch the software at {clock(start)}')
    check(not bob.launches() and not alice.launches(), 'software launched before the start')

    step(4, f'at the start ({clock(start)}) each service asks the gateway and launches the '
         'software with the user\'s own link')
    launches = {}
    for user, invitation in ((bob, to_bob), (alice, to_alice)):
        launch = wait_for(launched(user), f'{user.name}\'s software to start', timeout=LEAD + 90)
        check(launch.started() >= start - 1, f'{user.name}\'s software started before the start')
        argv = launch.argv()
        check(argv is not None and invitation.link in argv,
              f'{user.name}\'s software did not get {user.name}\'s own link')
        user.wait_record(session_id, lambda r: r['status'] == 'running', 'running')
        say(f'{user.name}\'s software is running (pid {launch.pid()}), started '
            f'{launch.started() - start:+.1f} s from the start, with {hidden_link(invitation.link)}')
        launches[user.name] = launch

    step(5, 'invite more: bob replies to his invitation, adding carol')
    reply_adding(run, 'bob', to_bob, ['carol'])
    to_carol = sh.wait_invitation(run.session, 'carol', title)
    check(to_carol.session_id == session_id, 'carol was invited to another session')
    check(to_carol.token not in (to_bob.token, to_alice.token), 'carol got someone else\'s link')
    say(f'the manager invited carol to the same session, with her own link '
        f'{hidden_link(to_carol.link)}')
    notification = carol.wait_notification(of_session(session_id),
                                           f'the invitation {session_id}')
    show_notification(carol, notification)
    carol.invoke(notification, 'Join')
    carol_launch = wait_for(launched(carol), 'carol\'s software to start', timeout=60)
    check(to_carol.link in (carol_launch.argv() or []), 'carol\'s software did not get her link')
    launches['carol'] = carol_launch
    say(f'carol pressed Join: the session is running, so her software started at once '
        f'(pid {carol_launch.pid()})')
    for user in (alice, bob):
        mails = manager_mails(run, user.name, session_id)
        check(len(mails) == 1, f'{user.name} was mailed {len(mails)} invitations: only carol is '
              'invited again')
        launch = launches[user.name]
        check(launch.alive() and not launch.signals(), f'{user.name}\'s software was interrupted')
        check(len(user.launches()) == 1, f'{user.name}\'s software was launched again')
    say('only carol was mailed; alice\'s and bob\'s software kept running, untouched')

    step(6, 'a cancel: alice schedules a whiteboard for tomorrow with bob; the administrator '
         'cancels it')
    board = 'Roadmap board'
    compose(run, alice, ['bob'], board, manager='whiteboard', start_in=24 * 3600, minutes=30)
    board_invitation = sh.wait_invitation(run.session, 'bob', board)
    board_id = board_invitation.session_id
    board_notification = bob.wait_notification(of_session(board_id), f'the invitation {board_id}')
    show_notification(bob, board_notification)
    say(manager.cancel(board_id).strip())
    sh.wait_invitation(run.session, 'bob', board, method='CANCEL')
    bob.wait_record(board_id, lambda r: r['status'] == 'cancelled', 'cancelled')
    status, body = manager.gateway(board_invitation.link[len(manager.public_url):])
    check(status == 410 and 'cancelled' in body,
          f'the gateway answers {status} for bob\'s link to the cancelled session, not 410')
    wait_for(lambda: board_notification.id in bob.closed_ids(),
             'bob\'s notification of the cancelled session to go', timeout=30)
    say('bob\'s service got the cancellation: the notification is gone, and the gateway answers '
        '"cancelled" (410) for his link: it will never launch')

    end = start + MINUTES * 60
    step(7, f'at the end ({clock(end)}) every service closes its software')
    for name, launch in launches.items():
        at = wait_for(lambda launch=launch: launch.terminated_at(),
                      f'{name}\'s software to be closed', timeout=max(0, end - time.time()) + 60)
        check(at >= end - 1, f'{name}\'s software was closed {end - at:.1f} s before the end')
        say(f'{name}\'s software got SIGTERM {at - end:+.1f} s from the end')
    for user in (alice, bob, carol):
        user.wait_record(session_id, lambda r: r['status'] == 'ended', 'ended', timeout=60)
        check(len(user.launches()) == 1, f'{user.name}\'s software was launched '
              f'{len(user.launches())} times')
    check(not any(user.launches() and board_id in ' '.join(user.launches()[-1].argv() or [])
                  for user in (alice, bob, carol)), 'the cancelled session was launched')
    run.check_logs(secrets=[i.token for i in (to_bob, to_alice, to_carol)]
                   + [i.link for i in (to_bob, to_alice, to_carol)])
    say('no log holds a password, a token or a personal link')


# ---- with a display ---------------------------------------------------------------------------

UI_NAME = harness.APP_ID + '.Ui'


def open_window(run, user, args):
    """USER's `convene ARGS` on the caller's display; waits until it owns its bus name."""
    name = f'app-{user.name}'
    process = run.session.spawn(name, [run.session.args.app] + args, env=ui_env(user),
                                cwd=user.root)

    def up():
        check(process.poll() is None, f'{user.name}\'s window did not open (exit '
              f'{process.returncode}):\n' + run.session.log_of(name))
        return user.bus.has_owner(UI_NAME)
    wait_for(up, f'{user.name}\'s Convene window')
    return process


def interactive(run, manager, users):
    alice, bob, carol = users['alice'], users['bob'], users['carol']
    # Bob's first, so that alice's composer, where it starts, opens on top with the focus.
    open_window(run, bob, [])
    say('bob\'s window: "Convene" (his sessions)')
    open_window(run, alice, ['--new-session'])
    say('alice\'s window: "New Session" (her composer)')
    say()
    say('Try it:\n'
        f'1. In alice\'s "New Session" window, add {run.session.address("bob")} to Participants,\n'
        '   give it a title and Send (or switch on Schedule for a start in a few minutes).\n'
        '2. The invitation reaches bob and alice: the demo opens its join prompt, as clicking the\n'
        '   notification does. Press Join.\n'
        '3. At the start the session\'s software (a small "room" window) opens for each one who\n'
        '   joined, and it closes at the end (or when they press Leave Session).\n'
        '4. Invite more: press Enter here and bob replies to his invitation adding carol; carol\'s\n'
        '   join prompt opens; she joins the running session.\n'
        'Press Ctrl+C to stop everything.')
    seen = {name: set() for name in users}
    told_started, told_closed = set(), set()
    latest = {}  # user -> the newest invitation's session id
    keyboard = sys.stdin.isatty()
    while True:
        for name, user in users.items():
            check(user.service_running(), f'{name}\'s service exited:\n' + user.service_log())
            for notification in user.notifications():
                if notification.id in seen[name]:
                    continue
                seen[name].add(notification.id)
                show_notification(user, notification)
                keys = [key for key in notification.actions if 'app.join' in key]
                if keys:
                    _, session_id = sh.parse_action(keys[0])
                    latest[name] = session_id
                    user.activate_action('show-session', session_id)
            for launch in user.launches():
                if launch.path not in told_started and launch.ready():
                    told_started.add(launch.path)
                    say(f'{name}\'s software started (pid {launch.pid()})')
                if launch.path not in told_closed and launch.terminated_at():
                    told_closed.add(launch.path)
                    say(f'{name}\'s software was closed')
        if keyboard and select.select([sys.stdin], [], [], 0.5)[0]:
            if sys.stdin.readline():
                invite_carol(run, bob, carol, latest.get('bob'))
            else:
                keyboard = False  # end of input: no more Enter to wait for
        else:
            time.sleep(0 if keyboard else 0.5)


def invite_carol(run, bob, carol, session_id):
    if session_id is None:
        say('bob has no invitation yet: send one from alice\'s window first')
        return
    invitations = manager_mails(run, 'bob', session_id)
    if not invitations:
        say(f'bob\'s invitation to {session_id} is not in his INBOX')
        return
    reply_adding(run, 'bob', invitations[-1], ['carol'])
    say(f'bob replied to his invitation adding {run.session.address("carol")}')


# ---- entry point ------------------------------------------------------------------------------

def demo(run):
    args = run.session.args
    try:
        users = start_all(run)
        if args.headless:
            headless(run, *users)
            say()
            say('The demo ran end to end.')
        else:
            interactive(run, *users)
    except KeyboardInterrupt:
        say()
        say('Stopping: the services, the manager and the mail stack.')
        if args.check:
            raise  # an interrupted test did not pass
    except sh.Failure as failure:
        if not args.check:
            say()
            say(f'FAILED: {failure}')
            log_path = os.environ.get('CNV_HARNESS_LOG')
            if log_path:
                say(f'(what every part said: {log_path})')
        raise


def start_all(run):
    args = run.session.args
    stack = run.session.stack
    say(f'the mail stack is up: IMAPS 127.0.0.1:{stack["IMAPS_PORT"]}, submission '
        f'127.0.0.1:{stack["SUBMISSION_PORT"]}, users alice, bob, carol, dave, videoconference, '
        f'whiteboard @{stack["DOMAIN"]}')
    manager = run.start_manager(join_early='30s')
    say(f'convene-manager runs (pid {manager.process.pid}): config {manager.config}, '
        f'join gateway {manager.public_url}; accredited: alice, bob, carol')
    users = {}
    for name in ('alice', 'bob', 'carol'):
        users[name] = start_user(run, name, not args.headless)
        say(f'{name}: own desktop session (HOME {users[name].dirs["HOME"]}), keyring, '
            f'convene-service (pid {users[name].service.pid}) watching {name}\'s INBOX')
    if not args.check:
        say('Ctrl+C stops everything (the mail stack, the manager, the services).')
    return manager, users


if __name__ == '__main__':
    headless_mode = '--headless' in sys.argv
    if '-h' in sys.argv or '--help' in sys.argv:
        parse_args()  # prints the help and exits, before anything is set up
    if harness.INNER not in os.environ:
        if '--check' not in sys.argv and 'CNV_HARNESS_LOG' not in os.environ:
            # The harness's own lines go to a file of this run, kept (mode 0600: it may name
            # the temp dirs); a test (--check) keeps them in its output.
            fd, path = tempfile.mkstemp(prefix='convene-demo-', suffix='.log')
            os.close(fd)
            os.environ['CNV_HARNESS_LOG'] = path
            print(f'(the demo\'s log: {path})', flush=True)
        if not headless_mode and not (os.environ.get('DISPLAY') or
                                      os.environ.get('WAYLAND_DISPLAY')):
            print('No display: running the demo --headless.', flush=True)
            sys.argv.append('--headless')
            headless_mode = True
    sh.main(demo, display='none' if headless_mode else 'inherit')
