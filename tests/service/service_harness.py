# service_harness.py — end-to-end tests of the background service (issue 6) for N users at once
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Built on tests/ui/harness.py (imported, not copied): a test is a script that calls main(test);
# the UI harness re-runs it under dbus-run-session with a temporary HOME/XDG, starts Xvfb, the
# accessibility bus, a gnome-keyring and the real mail stack (Dovecot + Postfix on loopback).
#
# What this module adds:
# - User: one desktop user of the mail stack (alice, bob, …) with everything a user's login has,
#   apart from the others': HOME and XDG directories of their own, their OWN session bus (a
#   dbus-daemon the test owns: two services cannot own io.github.convene.Convene on one bus), their
#   own gnome-keyring holding the IMAP/SMTP passwords, their own GSettings keyfile, a recording
#   notification daemon (python3-dbusmock's notification_daemon template) and the real
#   `convene-service`, which may be killed (-9) and started again.
# - Manager: the real `convene-manager run --config` on the stack, its join gateway on loopback
#   (plain HTTP, public-url http://127.0.0.1:PORT), its users accredited with `user add`.
# - Mail: a request as a plain mail client writes it (text/plain + text/calendar), submitted as
#   the initiator over SMTP submission; invitations read over IMAP; crafted mails APPENDed into a
#   user's INBOX (the watcher reads INBOX).
# - The collaboration program: each session type's command template is
#   `collab-launch.sh RECORDS --link %u --title %t`, which runs tests/data/launcher/fake-collab.sh
#   in a fresh RECORDS/launch-N per launch (argv, pid, start time; "term" appended to `signals` on
#   SIGTERM — the file's mtime is when the signal was handled).
#
# Every wait is polled against a deadline; no sleep stands for an assertion.
#
# Environment: as tests/ui/harness.py (CNV_KEEP_UI_TMP=1 keeps every log); CNV_SERVICE_WRAPPER runs
# the service under a command (e.g. "valgrind -q").

import datetime
import email
import email.policy
import email.utils
import os
import re
import shlex
import signal
import smtplib
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'ui'))
import harness  # noqa: E402
from harness import Failure, check, log, wait_for  # noqa: E402

APP_ID = harness.APP_ID
SETTINGS_GROUP = harness.SETTINGS_GROUP
APP_ZONE = harness.APP_ZONE
SKIP = harness.SKIP
HERE = os.path.dirname(os.path.abspath(__file__))
NOTIFICATIONS = 'org.freedesktop.Notifications'
NOTIFICATIONS_PATH = '/org/freedesktop/Notifications'
MOCK_INTERFACE = 'org.freedesktop.DBus.Mock'
SERVICE_LOG_DOMAINS = ' '.join([
    'cnv-service', 'cnv-session-runner', 'cnv-session-store', 'cnv-schedule', 'cnv-session',
    'cnv-gateway-client', 'cnv-launcher', 'cnv-watcher', 'cnv-invitation-intake',
    'cnv-invitation-filter', 'cnv-invitation', 'cnv-auth-results', 'cnv-credentials',
    'cnv-app-settings', 'cnv-autostart'])
# The authserv-id that the users' "mail server" stamps in these tests.
TRUSTED_AUTHSERV_ID = 'mx.example.test'


def argument_parser(description=None, screenshots_required=True):
    """The UI harness's arguments plus the service's binary."""
    parser = harness.argument_parser(description, screenshots_required)
    parser.add_argument('--service', required=True, help='the convene-service binary')
    return parser


def parse_args():
    """Replaces harness.parse_args, which knows only the UI harness's arguments."""
    return argument_parser().parse_args()


harness.parse_args = parse_args


def utc_now():
    return time.time()


def ical_time(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime('%Y%m%dT%H%M%SZ')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_until(moment, what):
    """Waits (without asserting anything) until the wall clock reaches MOMENT (Unix seconds)."""
    log(f'waiting {max(0.0, moment - time.time()):.1f} s for {what}')
    while time.time() < moment:
        time.sleep(min(0.2, max(0.01, moment - time.time())))


# ---- the session bus of one user --------------------------------------------------------------

class Bus:
    """A connection of the test to one user's session bus."""

    def __init__(self, address):
        from gi.repository import Gio
        self.address = address
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
                 | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        self.connection = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)

    def call(self, name, path, interface, method, parameters=None, reply_type=None, timeout=10000):
        from gi.repository import Gio, GLib
        reply = self.connection.call_sync(name, path, interface, method, parameters,
                                          GLib.VariantType(reply_type) if reply_type else None,
                                          Gio.DBusCallFlags.NO_AUTO_START, timeout, None)
        return reply.unpack() if reply is not None else None

    def has_owner(self, name):
        from gi.repository import GLib
        return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                         'NameHasOwner', GLib.Variant('(s)', (name,)), '(b)')[0]

    def owner_pid(self, name):
        from gi.repository import GLib
        owner = self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                          'GetNameOwner', GLib.Variant('(s)', (name,)), '(s)')[0]
        return self.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                         'GetConnectionUnixProcessID', GLib.Variant('(s)', (owner,)), '(u)')[0]

    def close(self):
        try:
            self.connection.close_sync(None)
        except Exception:
            pass


def parse_action(key):
    """(name, string target or None) of a detailed action name (app.join::ID, app.join('ID'))."""
    from gi.repository import Gio
    ok, name, target = Gio.Action.parse_detailed_name(key)
    check(ok, f'{key!r} is not a detailed action name')
    return name, target.unpack() if target is not None else None


class Notification:
    """One Notify call the mock daemon recorded, with the id it answered."""

    def __init__(self, notify_id, args, at):
        self.id = notify_id
        self.app_name, self.replaces_id, self.icon, self.summary, self.body = args[:5]
        actions = args[5]
        self.actions = dict(zip(actions[0::2], actions[1::2]))  # key -> label
        self.hints = args[6]
        self.at = at

    def key_of(self, label):
        """The action key of the button LABEL ("Join"): what GLib's freedesktop backend put in
        the actions array, app.join('ID') — the key ActionInvoked must carry."""
        keys = [key for key, text in self.actions.items() if text == label]
        check(keys, f'the notification "{self.summary}" has no button "{label}": {self.actions}')
        return keys[0]

    def __repr__(self):
        return (f'Notification(id={self.id}, summary={self.summary!r}, body={self.body!r}, '
                f'icon={self.icon!r}, actions={self.actions}, '
                f'hints={ {k: v for k, v in self.hints.items() if k != "image-data"} })')


# ---- one user ---------------------------------------------------------------------------------

STORE_SECRET = r'''
import sys
import gi
gi.require_version('Secret', '1')
from gi.repository import Secret
schema = Secret.Schema.new(sys.argv[1], Secret.SchemaFlags.NONE, {
    'protocol': Secret.SchemaAttributeType.STRING,
    'server': Secret.SchemaAttributeType.STRING,
    'user': Secret.SchemaAttributeType.STRING,
})
password = sys.stdin.read()
ok = Secret.password_store_sync(schema, {'protocol': sys.argv[2], 'server': sys.argv[3],
                                         'user': sys.argv[4]},
                                Secret.COLLECTION_DEFAULT, 'Convene test ' + sys.argv[2], password,
                                None)
sys.exit(0 if ok else 1)
'''


class User:
    """One user of the mail stack with a desktop session of their own (see the module's
    header). Start with start(), configure(), then start_service()."""

    def __init__(self, session, name, tz=APP_ZONE, locale=None):
        self.session = session
        self.name = name
        self.tz = tz
        # LANG, LANGUAGE, LC_*: C.UTF-8 (the tests read English texts) unless given.
        self.locale = locale
        self.address = session.address(name)
        self.root = os.path.join(session.top, 'users', name)
        self.dirs = {}
        for variable, sub in (('HOME', 'home'), ('XDG_CONFIG_HOME', 'home/.config'),
                              ('XDG_DATA_HOME', 'home/.local/share'),
                              ('XDG_CACHE_HOME', 'home/.cache'), ('XDG_RUNTIME_DIR', 'run')):
            path = os.path.join(self.root, sub)
            os.makedirs(path, mode=0o700, exist_ok=True)
            self.dirs[variable] = path
        self.records = os.path.join(self.root, 'collab')
        os.makedirs(self.records, exist_ok=True)
        self.settings_path = os.path.join(self.dirs['XDG_CONFIG_HOME'], 'glib-2.0', 'settings',
                                          'keyfile')
        self.store_path = os.path.join(self.dirs['XDG_DATA_HOME'], 'convene', 'sessions.sqlite')
        self.bus = None
        self.service = None
        self.service_starts = 0

    def log_name(self, part):
        return f'{part}-{self.name}'

    def env(self):
        """The environment of this user's programs: their own HOME, XDG dirs and session bus;
        the X display and the accessibility bus are the test's (one screen for all)."""
        env = dict(os.environ)
        env.update(self.dirs)
        for variable in ('GNOME_KEYRING_CONTROL', 'SSH_AUTH_SOCK', 'SESSION_MANAGER',
                         'G_DEBUG', 'NO_AT_BRIDGE'):
            env.pop(variable, None)
        if self.bus is not None:
            env['DBUS_SESSION_BUS_ADDRESS'] = self.bus.address
        if self.locale is not None:
            for variable in [v for v in env if v == 'LANGUAGE' or v.startswith(('LANG', 'LC_'))]:
                del env[variable]
            env.update(self.locale)
        else:
            env.update({'LANG': 'C.UTF-8', 'LC_ALL': 'C.UTF-8'})
        env.update({'TZ': self.tz,
                    'GSETTINGS_SCHEMA_DIR': self.session.args.schema_dir,
                    'GSETTINGS_BACKEND': 'keyfile'})
        return env

    # -- the desktop session --

    def start(self):
        self.start_bus()
        self.start_keyring()
        self.start_notifications()

    def start_bus(self):
        read_fd, write_fd = os.pipe()
        self.session.spawn(self.log_name('bus'),
                           ['dbus-daemon', '--session', '--nofork', '--nopidfile',
                            f'--print-address={write_fd}'],
                           env=self.env(), pass_fds=(write_fd,))
        os.close(write_fd)
        data = b''
        with os.fdopen(read_fd, 'rb') as pipe:
            while not data.endswith(b'\n'):
                chunk = pipe.read(1)
                if not chunk:
                    break
                data += chunk
        address = data.decode().strip()
        check(address, f'{self.name}\'s dbus-daemon gave no address: '
              + self.session.log_of(self.log_name('bus')))
        self.bus = Bus(address)
        log(f'{self.name}: session bus {address}')

    def start_keyring(self):
        process = self.session.spawn(self.log_name('keyring'),
                                     ['gnome-keyring-daemon', '--foreground',
                                      '--components=secrets', '--unlock'],
                                     stdin=subprocess.PIPE, cwd=self.root, env=self.env())
        process.stdin.write(harness.KEYRING_PASSWORD)
        process.stdin.close()

        def ready():
            check(process.poll() is None, f'{self.name}\'s gnome-keyring-daemon exited: '
                  + self.session.log_of(self.log_name('keyring')))
            if not self.bus.has_owner('org.freedesktop.secrets'):
                return False
            from gi.repository import GLib
            alias = self.bus.call('org.freedesktop.secrets', '/org/freedesktop/secrets',
                                  'org.freedesktop.Secret.Service', 'ReadAlias',
                                  GLib.Variant('(s)', ('default',)), '(o)')[0]
            return alias != '/'
        wait_for(ready, f'{self.name}\'s gnome-keyring-daemon')

    def start_notifications(self):
        process = self.session.spawn(self.log_name('notifications'),
                                     [sys.executable, '-m', 'dbusmock', '--template',
                                      'notification_daemon'], env=self.env())

        def ready():
            check(process.poll() is None, f'{self.name}\'s notification daemon exited: '
                  + self.session.log_of(self.log_name('notifications')))
            return self.bus.has_owner(NOTIFICATIONS)
        # NameHasOwner, not a call: a call could D-Bus-activate an installed daemon instead.
        wait_for(ready, f'{self.name}\'s notification daemon (dbusmock)')

    # -- settings and passwords --

    def write_settings(self, values):
        """values: key -> GLib.Variant, into this user's keyfile (GSETTINGS_BACKEND=keyfile)."""
        from gi.repository import GLib
        keyfile = GLib.KeyFile()
        if os.path.exists(self.settings_path):
            keyfile.load_from_file(self.settings_path, GLib.KeyFileFlags.NONE)
        for key, value in values.items():
            keyfile.set_string(SETTINGS_GROUP, key, value.print_(False))
        os.makedirs(os.path.dirname(self.settings_path), exist_ok=True)
        keyfile.save_to_file(self.settings_path)

    def store_password(self, protocol, server, user, password):
        """Into this user's keyring (a process on their bus: libsecret talks to the session bus
        of the process it runs in). The password goes through a pipe, never argv."""
        result = subprocess.run([sys.executable, '-c', STORE_SECRET, APP_ID, protocol, server,
                                 user], input=password.encode(), env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        check(result.returncode == 0, f'could not store {self.name}\'s {protocol} password: '
              + result.stdout.decode(errors='replace'))

    def command_template(self):
        return ' '.join([shlex.quote(os.path.join(HERE, 'collab-launch.sh')),
                         shlex.quote(self.records), '--link', '%u', '--title', '%t'])

    def configure(self, trusted_authserv_id='', auto_join=(), warn_before_end=1,
                  remind_before=1, close_grace=5, extra=None):
        """The account of this user as a completed first run leaves it, the session types of
        the stack's manager addresses with the test program as their command, and the service's
        settings; both passwords into the keyring."""
        from gi.repository import GLib
        stack = self.session.stack
        host, domain = stack['HOST'], stack['DOMAIN']
        command = self.command_template()
        types = [('Videoconference', f'videoconference@{domain}', 'camera-web-symbolic', '',
                  command),
                 ('Whiteboard', f'whiteboard@{domain}', 'document-edit-symbolic', '', command)]
        values = {
            'account-address': GLib.Variant('s', self.address),
            'account-name': GLib.Variant('s', self.name.capitalize() + ' Example'),
            'imap-host': GLib.Variant('s', host),
            'imap-port': GLib.Variant('q', int(stack['IMAPS_PORT'])),
            'imap-security': GLib.Variant('s', 'tls'),
            'imap-user': GLib.Variant('s', self.address),
            'smtp-host': GLib.Variant('s', host),
            'smtp-port': GLib.Variant('q', int(stack['SUBMISSION_PORT'])),
            'smtp-security': GLib.Variant('s', 'starttls'),
            'smtp-user': GLib.Variant('s', self.address),
            'ca-file': GLib.Variant('s', stack['CA_FILE']),
            'session-types': GLib.Variant('a(sssss)', types),
            'run-in-background': GLib.Variant('b', True),
            'remind-before': GLib.Variant('u', remind_before),
            'warn-before-end': GLib.Variant('u', warn_before_end),
            'close-grace': GLib.Variant('u', close_grace),
            'trusted-authserv-id': GLib.Variant('s', trusted_authserv_id),
            'auto-join': GLib.Variant('as', list(auto_join)),
        }
        values.update(extra or {})
        self.write_settings(values)
        password = self.session.password(self.name)
        self.store_password('imap', host, self.address, password)
        self.store_password('smtp', host, self.address, password)

    # -- the service --

    def service_env(self):
        env = self.env()
        env.update({
            'GNOTIFICATION_BACKEND': 'freedesktop',
            # Every domain of the service's own code at debug level; not the engine's IMAP and
            # SMTP wire traces, which print the mail they fetch (an invitation holds the link).
            'G_MESSAGES_DEBUG': SERVICE_LOG_DOMAINS,
            # The UI it starts when a window is needed, on the test's X display.
            'CONVENE_UI': self.session.args.app,
            'CONVENE_SERVICE': self.session.args.service,
        })
        if self.session.display_mode == 'inherit':
            # The caller's display, X11 or Wayland, for people: GTK chooses; no AT-SPI to drive.
            env['GTK_A11Y'] = 'none'
            return env
        env.update({'GDK_BACKEND': 'x11', 'GSK_RENDERER': 'cairo', 'GTK_A11Y': 'atspi'})
        a11y = a11y_bus_address()
        if a11y:
            env['AT_SPI_BUS_ADDRESS'] = a11y
        return env

    def start_service(self):
        """Starts convene-service on this user's bus as autostart and D-Bus activation start it
        (--gapplication-service), and waits until it owns the app id."""
        wrapper = shlex.split(os.environ.get('CNV_SERVICE_WRAPPER', ''))
        self.service_starts += 1
        self.service = self.session.spawn(self.log_name('service'),
                                          wrapper + [self.session.args.service,
                                                     '--gapplication-service'],
                                          env=self.service_env(), cwd=self.root)
        log(f'{self.name}: started convene-service (pid {self.service.pid}, '
            f'start {self.service_starts})')

        def ready():
            check(self.service.poll() is None,
                  f'{self.name}\'s service exited with {self.service.returncode}:\n'
                  + self.service_log())
            return self.bus.has_owner(APP_ID)
        wait_for(ready, f'{self.name}\'s service to own {APP_ID}')

        # A first run watches only the mail that arrives after its first look at INBOX: what
        # comes before is not an invitation it may pop up. That first look stores the watcher's
        # position; the test sends nothing before it.
        def watching():
            check(self.service.poll() is None,
                  f'{self.name}\'s service exited with {self.service.returncode}:\n'
                  + self.service_log())
            return self.positions()
        wait_for(watching, f'{self.name}\'s service to have looked at INBOX (its position)')
        return self.service

    def service_running(self):
        return self.service is not None and self.service.poll() is None

    def kill_service(self, signal_number=signal.SIGKILL):
        check(self.service_running(), f'{self.name}\'s service is not running')
        log(f'{self.name}: signal {signal_number} to the service (pid {self.service.pid})')
        os.kill(self.service.pid, signal_number)
        self.service.wait(timeout=30)
        wait_for(lambda: not self.bus.has_owner(APP_ID),
                 f'{APP_ID} to be free on {self.name}\'s bus')

    def service_log(self, whole=False):
        return self.session.log_of(self.log_name('service'), whole)

    def start_ui(self, *args):
        """Starts the UI (`convene ARGS`) in this user's session, on the test's X display and
        accessibility bus, as the app the UI harness drives (session.app: harness.Ui finds its
        windows). A second call forwards ARGS to the running UI, as a second launch does."""
        env = self.service_env()
        env.pop('G_MESSAGES_DEBUG', None)
        if self.session.app is not None and self.session.app_running():
            result = subprocess.run([self.session.args.app] + list(args), env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    timeout=60, check=False)
            log(f'{self.name}: convene {" ".join(args)} (forwarded): exit {result.returncode} '
                + result.stdout.decode(errors='replace'))
            check(result.returncode == 0, 'the second convene failed')
            return self.session.app
        self.session.app = self.session.spawn('app', [self.session.args.app] + list(args),
                                              env=env, cwd=self.root)
        self.session.app_wrapped = False
        log(f'{self.name}: started convene {" ".join(args)} (pid {self.session.app.pid})')
        return self.session.app

    def activate_action(self, name, target=None):
        """Activates the service's action NAME (org.gtk.Actions.Activate), as the UI does."""
        from gi.repository import GLib
        parameter = [] if target is None else [GLib.Variant('s', target)]
        self.bus.call(APP_ID, '/' + APP_ID.replace('.', '/'), 'org.gtk.Actions', 'Activate',
                      GLib.Variant('(sava{sv})', (name, parameter, {})))

    # -- notifications --

    def mock_calls(self):
        return self.bus.call(NOTIFICATIONS, NOTIFICATIONS_PATH, MOCK_INTERFACE, 'GetCalls',
                             None, '(a(tsav))')[0]

    def notifications(self):
        """Every Notify the daemon received, in order, with the id it answered (the template
        counts from 1 and answers replaces_id when one is given)."""
        found = []
        next_id = 1
        for at, method, args in self.mock_calls():
            if method != 'Notify':
                continue
            if args[1]:
                notify_id = args[1]
            else:
                notify_id = next_id
                next_id += 1
            found.append(Notification(notify_id, args, at))
        return found

    def closed_ids(self):
        return [args[0] for _, method, args in self.mock_calls() if method == 'CloseNotification']

    def wait_notification(self, predicate, what, timeout=120):
        def find():
            check(self.service_running(), f'{self.name}\'s service exited:\n'
                  + self.service_log())
            matches = [n for n in self.notifications() if predicate(n)]
            return matches[-1] if matches else None
        notification = wait_for(find, f'{what} on {self.name}\'s notification daemon', timeout)
        log(f'{self.name}: {notification}')
        return notification

    def invoke(self, notification, label):
        """Presses the button LABEL of NOTIFICATION, as a notification daemon does: the
        ActionInvoked signal with the notification's id and the button's action key."""
        from gi.repository import GLib
        key = notification.key_of(label)
        log(f'{self.name}: ActionInvoked({notification.id}, {key!r}) — "{label}"')
        self.bus.call(NOTIFICATIONS, NOTIFICATIONS_PATH, MOCK_INTERFACE, 'EmitSignal',
                      GLib.Variant('(sssav)', (NOTIFICATIONS, 'ActionInvoked', 'us',
                                               [GLib.Variant('u', notification.id),
                                                GLib.Variant('s', key)])))

    # -- the store (read only) --

    def store_rows(self):
        if not os.path.exists(self.store_path):
            return {}
        database = sqlite3.connect(f'file:{self.store_path}?mode=ro', uri=True, timeout=5)
        try:
            database.row_factory = sqlite3.Row
            return {row['session_id']: dict(row)
                    for row in database.execute('SELECT * FROM sessions')}
        except sqlite3.OperationalError as error:
            if 'no such table' in str(error):
                return {}
            raise
        finally:
            database.close()

    def positions(self):
        """mailbox -> (uidvalidity, last_uid) the watcher stored."""
        if not os.path.exists(self.store_path):
            return {}
        database = sqlite3.connect(f'file:{self.store_path}?mode=ro', uri=True, timeout=5)
        try:
            return {row[0]: (row[1], row[2]) for row in
                    database.execute('SELECT mailbox, uidvalidity, last_uid FROM positions')}
        except sqlite3.OperationalError as error:
            if 'no such table' in str(error):
                return {}
            raise
        finally:
            database.close()

    def record(self, session_id):
        return self.store_rows().get(session_id)

    def wait_record(self, session_id, predicate, what, timeout=60):
        def find():
            record = self.record(session_id)
            return record if record is not None and predicate(record) else None
        try:
            return wait_for(find, f'{self.name}\'s stored session {session_id}: {what}', timeout)
        except Failure as failure:
            raise Failure(f'{failure}; stored: {self.record(session_id)}') from None

    # -- launches of the test program --

    def launches(self):
        found = []
        for entry in sorted(os.listdir(self.records)):
            if entry.startswith('launch-'):
                found.append(Launch(os.path.join(self.records, entry)))
        return found

    def kill_launches(self):
        """At the end of a test: no test program may outlive it."""
        for launch in self.launches():
            pid = launch.leader()
            if pid:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


class Launch:
    """What one run of fake-collab.sh recorded."""

    def __init__(self, path):
        self.path = path

    def _read(self, name):
        try:
            with open(os.path.join(self.path, name), 'rb') as record:
                return record.read()
        except FileNotFoundError:
            return None

    def ready(self):
        return os.path.exists(os.path.join(self.path, 'ready'))

    def argv(self):
        """The arguments the service gave (fake-collab.sh records its own MODE and DIR first:
        collab-launch.sh put them there)."""
        data = self._read('argv')
        if not data:
            return None
        recorded = [part.decode() for part in data.split(b'\0')[:-1]]
        check(recorded[:2] == ['term', self.path], f'fake-collab.sh recorded {recorded[:2]}')
        return recorded[2:]

    def started(self):
        data = self._read('started')
        return float(data) if data else None

    def pid(self):
        data = self._read('pid')
        return int(data) if data else None

    def grandchild(self):
        data = self._read('grandchild')
        return int(data) if data else None

    def leader(self):
        """The pid of collab-launch.sh: the process group's leader, the pid the service
        started."""
        data = self._read('leader')
        return int(data) if data else None

    def terminated_at(self):
        """When the process group got SIGTERM (collab-launch.sh's `term-at`: the wall clock
        read just after the signal), or None."""
        data = self._read('term-at')
        return float(data.split()[0]) if data else None

    def signals(self):
        data = self._read('signals')
        return data.decode().split() if data else []

    def alive(self):
        """Whether any process of the launch (the program, its grandchild) still exists."""
        for pid in (self.leader(), self.pid(), self.grandchild()):
            if not pid:
                continue
            try:
                with open(f'/proc/{pid}/stat') as stat:
                    if stat.read().rsplit(')', 1)[1].split()[0] != 'Z':
                        return True
            except FileNotFoundError:
                continue
        return False

    def __repr__(self):
        return (f'Launch({os.path.basename(self.path)}, started={self.started()}, '
                f'leader={self.leader()}, pid={self.pid()}, signals={self.signals()}, '
                f'terminated_at={self.terminated_at()})')


def a11y_bus_address():
    """The accessibility bus of the test's session (org.a11y.Bus), for the UIs of every user:
    pyatspi in this process reads that bus."""
    try:
        from gi.repository import Gio, GLib
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync('org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus', 'GetAddress', None,
                              GLib.VariantType('(s)'), Gio.DBusCallFlags.NO_AUTO_START, 5000,
                              None)
        return reply.unpack()[0]
    except Exception:
        return None


# ---- the manager ------------------------------------------------------------------------------

class Manager:
    """The real `convene-manager run` for the videoconference@ and whiteboard@ addresses."""

    def __init__(self, session, join_early='0s', users=('alice', 'bob', 'carol')):
        self.session = session
        stack = session.stack
        self.dir = os.path.join(session.top, 'manager')
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, 'manager.conf')
        self.port = free_port()
        self.public_url = f'http://127.0.0.1:{self.port}'
        self.process = None
        domain = stack['DOMAIN']
        password = os.path.join(stack['PASSWORDS_DIR'], 'videoconference')
        whiteboard_password = os.path.join(stack['PASSWORDS_DIR'], 'whiteboard')
        with open(self.config, 'w') as config:
            config.write(f'''[manager]
database = {self.dir}/manager.db
timezone = UTC
default-duration = 1h
join-early = {join_early}

[imap]
host = {stack['HOST']}
port = {stack['IMAP_PORT']}
security = starttls
user = videoconference@{domain}
password-file = {password}
ca-file = {stack['CA_FILE']}

[imap whiteboard]
host = {stack['HOST']}
port = {stack['IMAP_PORT']}
security = starttls
user = whiteboard@{domain}
password-file = {whiteboard_password}
ca-file = {stack['CA_FILE']}

[smtp]
host = {stack['HOST']}
port = {stack['SUBMISSION_PORT']}
security = starttls
user = videoconference@{domain}
password-file = {password}
ca-file = {stack['CA_FILE']}

[gateway]
listen = 127.0.0.1:{self.port}
public-url = {self.public_url}

[type videoconference]
address = videoconference@{domain}
backend = url
url = https://rooms.{domain}/{{room}}
default = true

[type whiteboard]
address = whiteboard@{domain}
backend = url
url = https://boards.{domain}/{{room}}
''')
        for user in users:
            self.admin('user', 'add', '--config', self.config, session.address(user))

    def admin(self, *args):
        result = subprocess.run([self.session.args.manager] + list(args), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, check=False,
                                env=dict(os.environ, G_MESSAGES_DEBUG=''))
        output = result.stdout.decode(errors='replace')
        log(f'convene-manager {" ".join(args[:2])}: {output.strip()}')
        check(result.returncode == 0, f'convene-manager {" ".join(args)} exited with '
              f'{result.returncode}:\n{output}')
        return output

    def gateway(self, path, accept='application/json'):
        """(status, body) of GET PATH on the gateway, without following a redirect."""
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(NoRedirect)
        request = urllib.request.Request(self.public_url + path, headers={'Accept': accept})
        try:
            with opener.open(request, timeout=5) as response:
                return response.status, response.read().decode(errors='replace')
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors='replace')

    def start(self):
        self.process = self.session.spawn('manager', [self.session.args.manager, 'run',
                                                      '--config', self.config],
                                          env=dict(os.environ, G_MESSAGES_DEBUG=''))

        def answers():
            check(self.process.poll() is None, 'the manager exited:\n'
                  + self.session.log_of('manager'))
            try:
                return self.gateway('/healthz', accept='text/plain')[0] == 200
            except OSError:
                return False
        wait_for(answers, 'the manager\'s gateway to answer /healthz')
        log(f'manager: gateway on {self.public_url}')

    def cancel(self, session_id):
        return self.admin('session', 'cancel', session_id, '--config', self.config)


# ---- mail -------------------------------------------------------------------------------------

def send_request(session, sender, participants, title, start, end, manager='videoconference',
                 cc=()):
    """A request as a plain mail client writes it: To the manager address and the participants,
    the times in a text/calendar part (UTC); submitted as SENDER over SMTP submission."""
    domain = session.stack['DOMAIN']
    from_address = session.address(sender)
    manager_address = f'{manager}@{domain}'
    to = [manager_address] + [session.address(user) for user in participants]
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message['From'] = f'{sender.capitalize()} Example <{from_address}>'
    message['To'] = ', '.join(to)
    if cc:
        message['Cc'] = ', '.join(session.address(user) for user in cc)
    message['Subject'] = title
    message['Date'] = email.utils.formatdate(localtime=False)
    message['Message-ID'] = email.utils.make_msgid(domain=domain)
    message.set_content(f'{title}: see you there.\n')
    attendees = ''.join(f'ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{address}\r\n'
                        for address in [from_address] + to[1:])
    calendar = ('BEGIN:VCALENDAR\r\n'
                'PRODID:-//Convene tests//service e2e//EN\r\n'
                'VERSION:2.0\r\n'
                'METHOD:REQUEST\r\n'
                'BEGIN:VEVENT\r\n'
                f'UID:{uuid.uuid4()}@{domain}\r\n'
                'SEQUENCE:0\r\n'
                f'DTSTAMP:{ical_time(time.time())}\r\n'
                f'DTSTART:{ical_time(start)}\r\n'
                f'DTEND:{ical_time(end)}\r\n'
                f'SUMMARY:{title}\r\n'
                f'ORGANIZER;CN={sender.capitalize()} Example:mailto:{from_address}\r\n'
                f'{attendees}'
                'END:VEVENT\r\n'
                'END:VCALENDAR\r\n')
    message.add_alternative(calendar, subtype='calendar', params={'method': 'REQUEST'})
    context = ssl.create_default_context(cafile=session.stack['CA_FILE'])
    with smtplib.SMTP(session.stack['HOST'], int(session.stack['SUBMISSION_PORT']),
                      timeout=30) as smtp:
        smtp.starttls(context=context)
        smtp.login(from_address, session.password(sender))
        smtp.send_message(message, from_address, to + [session.address(u) for u in cc])
    log(f'{sender} sent the request "{title}" ({ical_time(start)} – {ical_time(end)}) to {to}')
    return message


class Invitation:
    """One mail of the manager in a user's INBOX, parsed."""

    def __init__(self, raw):
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)
        self.session_id = str(self.message['X-Convene-Session'] or '')
        self.calendar = ''
        for part in self.message.walk():
            if part.get_content_type() == 'text/calendar':
                self.calendar = part.get_content()
        self.properties = calendar_properties(self.calendar)

    @property
    def link(self):
        return self.properties.get('URL', '')

    @property
    def method(self):
        return self.properties.get('METHOD', '')

    @property
    def token(self):
        match = re.search(r'[?&]t=([^&]+)', self.link)
        return match.group(1) if match else None


def calendar_properties(text):
    """NAME -> value of the unfolded lines of an iCalendar text (the last one wins; parameters
    dropped): enough for UID, SEQUENCE, DTSTART, URL, METHOD."""
    unfolded = re.sub(r'\r?\n[ \t]', '', text)
    properties = {}
    for line in unfolded.splitlines():
        name, colon, value = line.partition(':')
        if colon:
            properties[name.split(';', 1)[0].upper()] = value
    return properties


def wait_invitation(session, user, title, method='REQUEST', timeout=120):
    """The manager's invitation (or cancel: METHOD) for the session TITLE in USER's INBOX."""
    def find():
        for raw, message in session.messages(user):
            if message['X-Convene-Type'] is None or title not in str(message['Subject'] or ''):
                continue
            invitation = Invitation(raw)
            if invitation.method == method:
                return invitation
        return None
    invitation = wait_for(find, f'the manager\'s {method} "{title}" in {user}\'s INBOX', timeout)
    log(f'{user} has the {method} of session {invitation.session_id}')
    return invitation


def append(session, user, raw, mailbox='INBOX'):
    """Delivers RAW straight into USER's MAILBOX (IMAP APPEND), as a server's delivery does."""
    client = session.imap(user)
    try:
        status, data = client.append(harness.imaplib_quote(mailbox), None, None, raw)
        check(status == 'OK', f'APPEND to {user}\'s {mailbox}: {status} {data}')
    finally:
        client.logout()


def edit_invitation(raw, session_id=None, headers=None, calendar=None, prepend=()):
    """A copy of the invitation RAW with its session id replaced everywhere (header, links,
    subject tag), header fields set (name -> value; None removes), the calendar's properties set
    (name -> whole new line, e.g. 'DTSTART' -> 'DTSTART:20270101T000000Z'), and header lines
    PREPENDED as a receiving server adds them (Authentication-Results, Received)."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    old_id = message['X-Convene-Session']
    for part in message.walk():
        if part.get_content_maintype() == 'multipart':
            continue
        payload = part.get_payload(decode=True).decode('utf-8')
        if part.get_content_type() == 'text/calendar':
            payload = re.sub(r'\r?\n[ \t]', '', payload)
            for name, line in (calendar or {}).items():
                payload, count = re.subn(rf'(?m)^{name}[;:][^\r\n]*', lambda _: line, payload)
                check(count == 1, f'the calendar has {count} {name} lines')
        if session_id is not None:
            payload = payload.replace(old_id, session_id)
        # Written back as it is, 8-bit clean (non-ASCII kept byte-exact through surrogates).
        del part['Content-Transfer-Encoding']
        part['Content-Transfer-Encoding'] = '7bit' if payload.isascii() else '8bit'
        part.set_payload(payload.encode('utf-8').decode('ascii', 'surrogateescape'))
    if session_id is not None:
        message.replace_header('X-Convene-Session', session_id)
        message.replace_header('Subject', str(message['Subject']).replace(old_id, session_id))
        del message['Message-ID']
        message['Message-ID'] = email.utils.make_msgid(domain='example.test')
    for name, value in (headers or {}).items():
        del message[name]
        if value is not None:
            message[name] = value
    data = message.as_bytes()
    if prepend:
        data = b''.join(line.encode() + b'\r\n' for line in prepend) + data
    return data.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')


# ---- entry point ------------------------------------------------------------------------------

class Run:
    """What a test gets: the UI harness's session, plus its users and manager for the logs."""

    def __init__(self, session):
        self.session = session
        self.users = {}
        self.manager = None

    def user(self, name, **kwargs):
        user = User(self.session, name, **kwargs)
        self.users[name] = user
        user.start()
        return user

    def start_manager(self, **kwargs):
        self.manager = Manager(self.session, **kwargs)
        self.manager.start()
        return self.manager

    def check_logs(self, secrets=()):
        """No critical in any service's log; no password, token or link in any log (a failure
        shows the lines with the secret masked)."""
        def leaks(text, secrets):
            lines = [line for line in text.splitlines()
                     if any(secret and secret in line for secret in secrets)]
            for secret in secrets:
                if secret:
                    lines = [line.replace(secret, '<SECRET>') for line in lines]
            return lines

        for user in self.users.values():
            text = user.service_log(whole=True)
            check('CRITICAL' not in text, f'{user.name}\'s service logged a critical:\n'
                  + user.service_log())
            found = leaks(text, list(secrets) + [self.session.password(user.name)])
            check(not found, f'{user.name}\'s service log holds a secret (password, token or '
                  'link):\n' + '\n'.join(found[:10]))
        found = leaks(self.session.log_of('app', whole=True), list(secrets))
        check(not found, 'the UI\'s log holds a secret (token or link):\n' + '\n'.join(found[:10]))
        passwords = [self.session.password(name) for name in self.users]
        others = ['manager'] + [user.log_name(part) for user in self.users.values()
                                for part in ('notifications', 'bus', 'keyring')]
        for name in others:
            found = leaks(self.session.log_of(name, whole=True), list(secrets) + passwords)
            check(not found, f'the log of {name} holds a secret (password, token or link):\n'
                  + '\n'.join(found[:10]))

    def dump(self):
        for user in self.users.values():
            try:
                log(f'{user.name}: notifications {user.notifications()}')
                log(f'{user.name}: closed {user.closed_ids()}')
            except Exception as error:
                log(f'{user.name}: no notification calls: {error}')
            try:
                # The link is the user's credential: it stays out of every log.
                rows = {key: {column: '<link>' if column == 'link' and value else value
                              for column, value in row.items()}
                        for key, row in user.store_rows().items()}
                log(f'{user.name}: store {rows}')
            except Exception as error:
                log(f'{user.name}: no store: {error}')
            log(f'{user.name}: launches {user.launches()}')
            log(f'{user.name}\'s service said:\n' + user.service_log())
        if self.manager is not None:
            log('the manager said:\n' + self.session.log_of('manager'))

    def stop(self):
        for user in self.users.values():
            user.kill_launches()
            if user.bus is not None:
                user.bus.close()


def main(test, display='xvfb'):
    """Runs TEST(run) under the UI harness (see the module's header); DISPLAY as harness.main's:
    the tests use their own Xvfb, the demo none or the caller's."""
    if harness.INNER not in os.environ:
        try:
            import dbusmock  # noqa: F401
        except ImportError as error:
            print(f'1..0 # SKIP python3-dbusmock missing: {error}')
            sys.exit(SKIP)
        if not any(os.access(os.path.join(d, 'dbus-daemon'), os.X_OK)
                   for d in os.environ.get('PATH', '/usr/bin').split(':')):
            print('1..0 # SKIP dbus-daemon is not installed')
            sys.exit(SKIP)

    def body(session):
        run = Run(session)
        try:
            test(run)
            run.check_logs()
        except BaseException:
            run.dump()
            raise
        finally:
            run.stop()
    harness.main(body, display)
