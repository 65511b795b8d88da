# harness.py — runs Convene's UI in a real GTK window under Xvfb and drives it through AT-SPI
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A UI test is a script that calls harness.main(test): the harness re-runs the script under
# dbus-run-session (a private session bus, so nothing of the user's desktop is touched), with
# HOME and the XDG directories in a fresh temporary directory. Inside it starts Xvfb on a free
# display (-displayfd), the accessibility bus (at-spi-bus-launcher), a real gnome-keyring-daemon
# unlocked with a password it reads from its standard input, and the real mail stack
# (tests/mailstack/mailstack.sh, owned by this process so a crash or a timeout leaves no daemon
# behind); then test(session) starts the app (`convene`) and drives it. Exit status: 0 passed,
# 77 skipped (no Xvfb, no pyatspi), anything else failed.
#
# Every wait is bounded by a generous timeout (an unresponsive UI fails the test instead of
# hanging it) and none is an assertion about speed.
#
# What GTK 4.8's AT-SPI side does not do, and how the harness copes: Text.getText(0, -1) reads
# "" (the character count is asked instead); no Component.grabFocus and no FOCUSED state (a click
# focuses, the text typed is checked afterwards); extents only relative to the window (the
# window's origin comes from X; no window manager runs); no action on AdwComboRow (a click opens
# its popover, the keyboard chooses). Screenshots are taken with XGetImage and written as PNG by
# the harness itself: no ImageMagick needed.
#
# Environment: CNV_KEEP_UI_TMP=1 keeps the temp dir (logs of every daemon and the app);
# CNV_UI_WRAPPER runs the app under a command ("gdb -batch -ex run -ex bt --args");
# CNV_UI_WAIT_SECONDS changes the bound of every wait (60 s).

import argparse
import ctypes
import ctypes.util
import email
import email.policy
import imaplib
import os
import shlex
import shutil
import signal
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

SKIP = 77
INNER = 'CNV_UI_INNER'
WAIT_SECONDS = float(os.environ.get('CNV_UI_WAIT_SECONDS', '60'))
KEYRING_PASSWORD = b'convene ui test keyring'
APP_ID = 'io.github.convene.Convene'
SETTINGS_GROUP = 'io/github/convene/Convene'
# The app's time zone: not UTC, so that the conversion of scheduled times shows.
APP_ZONE = 'Europe/Paris'


class Failure(Exception):
    pass


# The running session, so that every wait notices at once that the app is gone instead of
# taking its errors for a tree that changes under our feet.
_session = None


def app_gone_failure():
    """A Failure saying how the app ended, when the app the test drives has exited; else None."""
    if _session is not None and _session.app is not None and not _session.app_running():
        return Failure(_session.app_exit_message())
    return None


def is_stale_error(error):
    """True for the errors of a reference to an accessible that went away: GTK removed the object
    (its window closed, a toast went), or its application left the bus."""
    text = str(error)
    return any(part in text for part in ('no longer exists', 'stale', 'UnknownObject',
                                          'Unknown object', 'does not exist'))


def log(message):
    text = '# ' + message.replace('\n', '\n# ')
    # CNV_HARNESS_LOG: the demo keeps its output for people and writes the harness's lines there.
    path = os.environ.get('CNV_HARNESS_LOG')
    if path:
        with open(path, 'a') as log_file:
            log_file.write(time.strftime('%H:%M:%S ') + text + '\n')
        return
    try:
        print(text, flush=True)
    except OSError:
        pass  # the terminal is gone (SIGHUP): the run still has to stop its daemons


def check(condition, message):
    if not condition:
        raise Failure(message)


def wait_for(predicate, what, timeout=None):
    """Polls predicate() until it returns something true, and returns that. Raises Failure
    naming `what` when the timeout passes: a hang, not a slow UI, is what this catches."""
    deadline = time.monotonic() + (timeout or WAIT_SECONDS)
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Failure:
            raise
        except Exception as error:  # the accessible tree changes under our feet
            last_error = error
            # ... unless the app itself is gone: a crash fails at once, with its exit status
            gone = app_gone_failure()
            if gone is not None:
                raise gone from error
        if time.monotonic() > deadline:
            suffix = f' (last error: {last_error!r})' if last_error else ''
            raise Failure(f'timed out waiting for {what}{suffix}')
        time.sleep(0.2)


def argument_parser(description=None, screenshots_required=True):
    """The arguments every harness run takes (meson passes them); others add their own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--app', required=True, help='the convene binary (the UI)')
    parser.add_argument('--manager', required=True, help='the convene-manager binary')
    parser.add_argument('--mailstack', required=True, help='tests/mailstack/mailstack.sh')
    parser.add_argument('--schema-dir', required=True, help='the compiled GSettings schema')
    parser.add_argument('--source-dir', required=True, help='the source tree tests/ directory')
    parser.add_argument('--screenshots', required=screenshots_required, default='/tmp',
                        help='where the PNG screenshots go')
    return parser


def parse_args():
    return argument_parser().parse_args()


# ---- outside the private bus -------------------------------------------------------------

# How a run gets its display (main's `display`): 'xvfb' starts its own Xvfb and accessibility bus
# (the UI tests); 'none' starts no X at all (the headless demo, the whole-system test); 'inherit'
# keeps the caller's DISPLAY / WAYLAND_DISPLAY (the demo on a desktop: its windows are for people).
DISPLAY_MODES = ('xvfb', 'none', 'inherit')
DISPLAY_MODE = 'CNV_UI_DISPLAY_MODE'


STOP_SIGNALS = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)


def ignore_stop_signals():
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)


def inner_pids(pid):
    """The children of dbus-run-session PID (the inner run; its dbus-daemon ignores nothing of
    ours and is left to dbus-run-session)."""
    pids = []
    try:
        for task in os.listdir(f'/proc/{pid}/task'):
            with open(f'/proc/{pid}/task/{task}/children') as children:
                pids += [int(child) for child in children.read().split()]
    except OSError:
        pass
    inner = []
    for child in pids:
        try:
            with open(f'/proc/{child}/cmdline', 'rb') as cmdline:
                if not cmdline.read().startswith(b'dbus-daemon'):
                    inner.append(child)
        except OSError:
            pass
    return inner


def outer(script, display='xvfb'):
    needed = ['dbus-run-session', 'gnome-keyring-daemon']
    if display == 'xvfb':
        needed.append('Xvfb')
    for program in needed:
        if shutil.which(program) is None:
            print(f'1..0 # SKIP {program} is not installed')
            return SKIP
    if display == 'xvfb' and not os.path.exists('/usr/libexec/at-spi-bus-launcher'):
        print('1..0 # SKIP at-spi2-core (at-spi-bus-launcher) is not installed')
        return SKIP
    try:
        import gi  # noqa: F401
        if display == 'xvfb':
            import pyatspi  # noqa: F401
    except ImportError as error:
        print(f'1..0 # SKIP python3-pyatspi / python3-gi missing: {error}')
        return SKIP

    top = tempfile.mkdtemp(prefix='cnv-ui-')
    # The mail stack's daemons (dovecot, postfix users) must traverse it to reach their files.
    os.chmod(top, 0o711)
    env = dict(os.environ)
    for variable, sub in (('HOME', 'home'), ('XDG_CONFIG_HOME', 'home/.config'),
                          ('XDG_DATA_HOME', 'home/.local/share'),
                          ('XDG_CACHE_HOME', 'home/.cache'), ('XDG_RUNTIME_DIR', 'run')):
        path = os.path.join(top, sub)
        os.makedirs(path, mode=0o700, exist_ok=True)
        env[variable] = path
    env[INNER] = top
    env[DISPLAY_MODE] = display
    dropped = ['DBUS_SESSION_BUS_ADDRESS', 'AT_SPI_BUS_ADDRESS', 'GNOME_KEYRING_CONTROL',
               'SSH_AUTH_SOCK', 'NO_AT_BRIDGE', 'SESSION_MANAGER']
    if display != 'inherit':
        dropped += ['DISPLAY', 'WAYLAND_DISPLAY']
    else:
        if 'XAUTHORITY' not in env and os.path.exists(os.path.expanduser('~/.Xauthority')):
            # HOME changes below: X's cookie stays where the caller's session keeps it.
            env['XAUTHORITY'] = os.path.expanduser('~/.Xauthority')
        wayland = env.get('WAYLAND_DISPLAY')
        if wayland and not os.path.isabs(wayland) and os.environ.get('XDG_RUNTIME_DIR'):
            # So does the compositor's socket, named relative to XDG_RUNTIME_DIR, which changes.
            env['WAYLAND_DISPLAY'] = os.path.join(os.environ['XDG_RUNTIME_DIR'], wayland)
    for variable in dropped:
        env.pop(variable, None)
    # The session bus activates services from XDG_DATA_DIRS (at-spi, evolution-data-server).
    env.setdefault('XDG_DATA_DIRS', '/usr/local/share:/usr/share')
    # Ctrl+C, a closed terminal and kill (SIGINT, SIGHUP, SIGTERM) are for the inner run: it stops
    # its daemons, then this process removes the temp dir. dbus-run-session ignores them (the
    # disposition survives its exec; the inner run sets its own handlers again); a signal sent to
    # this process alone is passed on to the inner run.
    child = subprocess.Popen(['dbus-run-session', '--', sys.executable, script] + sys.argv[1:],
                             env=env, preexec_fn=ignore_stop_signals)

    def forward(number, frame):
        for pid in inner_pids(child.pid):
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass
    previous = {number: signal.signal(number, forward) for number in STOP_SIGNALS}
    try:
        return child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if os.environ.get('CNV_KEEP_UI_TMP') == '1':
            log(f'kept {top}')
        else:
            shutil.rmtree(top, ignore_errors=True)


# ---- inside: the session --------------------------------------------------------------------

class Session:
    def __init__(self, args, top):
        self.args = args
        self.top = top
        self.processes = []  # (name, Popen) to end, last first
        self.stack_dir = None
        self.stack = {}
        self.display = None
        self.display_mode = 'xvfb'
        self.app = None
        self.app_wrapped = False
        self.app_log_path = os.path.join(top, 'app.log')
        self.screenshot_dir = args.screenshots
        self.settings_path = os.path.join(os.environ['XDG_CONFIG_HOME'], 'glib-2.0', 'settings',
                                          'keyfile')

    # -- daemons --

    def spawn(self, name, argv, **kwargs):
        """Starts a daemon in its own process group (stop() ends the group), with its output in
        NAME.log; it gets SIGTERM if this process dies without stop() (a test timeout)."""
        log_path = os.path.join(self.top, name + '.log')
        with open(log_path, 'ab') as log_file:
            process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT,
                                       start_new_session=True, preexec_fn=die_with_parent,
                                       **kwargs)
        self.processes.append((name, process))
        return process

    def start_x(self):
        read_fd, write_fd = os.pipe()
        self.spawn('xvfb', ['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x1600x24',
                            '-nolisten', 'tcp', '-noreset'], pass_fds=(write_fd,))
        os.close(write_fd)
        data = b''
        with os.fdopen(read_fd, 'rb') as pipe:
            while not data.endswith(b'\n'):
                chunk = pipe.read(1)
                if not chunk:
                    break
                data += chunk
        check(data.strip().isdigit(),
              'Xvfb did not report a display number: ' + self.log_of('xvfb'))
        self.display = ':' + data.strip().decode()
        os.environ['DISPLAY'] = self.display
        log(f'Xvfb on {self.display}')

    def name_has_owner(self, name):
        from gi.repository import Gio, GLib
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                              'org.freedesktop.DBus', 'NameHasOwner', GLib.Variant('(s)', (name,)),
                              GLib.VariantType('(b)'), Gio.DBusCallFlags.NONE, 5000, None)
        return reply.unpack()[0]

    def start_a11y(self):
        # GTK 4 finds the accessibility bus through org.a11y.Bus on the session bus; the
        # launcher starts that bus and its registry at once.
        self.spawn('at-spi-bus', ['/usr/libexec/at-spi-bus-launcher', '--launch-immediately'])
        wait_for(lambda: self.name_has_owner('org.a11y.Bus'),
                 'the accessibility bus (org.a11y.Bus)')

    def keyring_ready(self):
        from gi.repository import Gio, GLib
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        if not self.name_has_owner('org.freedesktop.secrets'):
            return False
        reply = bus.call_sync('org.freedesktop.secrets', '/org/freedesktop/secrets',
                              'org.freedesktop.Secret.Service', 'ReadAlias',
                              GLib.Variant('(s)', ('default',)), GLib.VariantType('(o)'),
                              Gio.DBusCallFlags.NO_AUTO_START, 5000, None)
        return reply.unpack()[0] != '/'

    def start_keyring(self):
        # --unlock reads the login keyring's password from standard input, never from argv.
        process = self.spawn('keyring', ['gnome-keyring-daemon', '--foreground',
                                         '--components=secrets', '--unlock'],
                             stdin=subprocess.PIPE, cwd=self.top)
        process.stdin.write(KEYRING_PASSWORD)
        process.stdin.close()

        def ready():
            check(process.poll() is None, 'gnome-keyring-daemon exited: ' + self.log_of('keyring'))
            return self.keyring_ready()
        wait_for(ready, 'gnome-keyring-daemon to own org.freedesktop.secrets')

    def start_stack(self):
        self.stack_dir = os.path.join(self.top, 'stack')
        result = subprocess.run(['bash', self.args.mailstack, 'start', self.stack_dir,
                                 '--owner-pid', str(os.getpid())],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        check(result.returncode == 0, 'the mail stack did not start:\n' + result.stdout.decode())
        with open(os.path.join(self.stack_dir, 'env')) as env_file:
            for line in env_file:
                key, _, value = line.rstrip('\n').partition('=')
                if key:
                    self.stack[key] = value
        log('mail stack: IMAPS {IMAPS_PORT}, submission {SUBMISSION_PORT}'.format(**self.stack))

    def stop_stack(self):
        if self.stack_dir is not None:
            subprocess.run(['bash', self.args.mailstack, 'stop', self.stack_dir],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    def password(self, user):
        with open(os.path.join(self.stack['PASSWORDS_DIR'], user)) as password_file:
            return password_file.read()

    def address(self, user):
        return f'{user}@{self.stack["DOMAIN"]}'

    def log_of(self, name, whole=False):
        """What the daemon NAME wrote (its last 4000 characters unless WHOLE)."""
        try:
            with open(os.path.join(self.top, name + '.log'), errors='replace') as log_file:
                text = log_file.read()
        except OSError:
            return ''
        return text if whole else text[-4000:]

    # -- the app --

    def start_app(self, tz=APP_ZONE):
        env = dict(os.environ)
        env.update({
            'GDK_BACKEND': 'x11',
            'GSK_RENDERER': 'cairo',
            'GTK_A11Y': 'atspi',
            'GSETTINGS_SCHEMA_DIR': self.args.schema_dir,
            'GSETTINGS_BACKEND': 'keyfile',
            'TZ': tz,
            'LANG': 'C.UTF-8',
            'LC_ALL': 'C.UTF-8',
        })
        env.pop('NO_AT_BRIDGE', None)
        env.pop('G_DEBUG', None)
        # CNV_UI_WRAPPER: a command to run the app under, e.g. "gdb -batch -ex run -ex bt --args".
        wrapper = shlex.split(os.environ.get('CNV_UI_WRAPPER', ''))
        self.app_wrapped = bool(wrapper)
        self.app = self.spawn('app', wrapper + [self.args.app], env=env)
        log(f'started {self.args.app} (pid {self.app.pid}, TZ={tz})')
        return self.app

    def app_exit_message(self):
        return (f'the app exited with status {self.app.returncode}; it said:\n'
                + self.log_of('app'))

    def app_running(self):
        return self.app is not None and self.app.poll() is None

    def stop(self):
        for name, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.processes = []
        self.stop_stack()

    # -- settings (GSETTINGS_BACKEND=keyfile) --

    def write_settings(self, values):
        """values: key -> GLib.Variant; written before the app starts."""
        from gi.repository import GLib
        keyfile = GLib.KeyFile()
        if os.path.exists(self.settings_path):
            keyfile.load_from_file(self.settings_path, GLib.KeyFileFlags.NONE)
        for key, value in values.items():
            keyfile.set_string(SETTINGS_GROUP, key, value.print_(False))
        os.makedirs(os.path.dirname(self.settings_path), exist_ok=True)
        keyfile.save_to_file(self.settings_path)

    def read_settings(self):
        """key -> Python value of what the app saved."""
        from gi.repository import GLib
        keyfile = GLib.KeyFile()
        if not os.path.exists(self.settings_path):
            return {}
        keyfile.load_from_file(self.settings_path, GLib.KeyFileFlags.NONE)
        if not keyfile.has_group(SETTINGS_GROUP):
            return {}
        values = {}
        for key in keyfile.get_keys(SETTINGS_GROUP)[0]:
            text = keyfile.get_string(SETTINGS_GROUP, key)
            values[key] = GLib.Variant.parse(None, text, None, None).unpack()
        return values

    def settings_text(self):
        try:
            with open(self.settings_path, errors='replace') as settings_file:
                return settings_file.read()
        except OSError:
            return ''

    # -- the keyring (the schema of CnvSecretCredentials) --

    def _secret_schema(self):
        import gi
        gi.require_version('Secret', '1')
        from gi.repository import Secret
        return Secret, Secret.Schema.new(APP_ID, Secret.SchemaFlags.NONE, {
            'protocol': Secret.SchemaAttributeType.STRING,
            'server': Secret.SchemaAttributeType.STRING,
            'user': Secret.SchemaAttributeType.STRING,
        })

    def store_password(self, protocol, server, user, password):
        Secret, schema = self._secret_schema()
        ok = Secret.password_store_sync(schema, {'protocol': protocol, 'server': server,
                                                 'user': user}, Secret.COLLECTION_DEFAULT,
                                        f'Convene test {protocol}', password, None)
        check(ok, f'could not store the {protocol} password in the keyring')

    def lookup_password(self, protocol, server, user):
        Secret, schema = self._secret_schema()
        return Secret.password_lookup_sync(schema, {'protocol': protocol, 'server': server,
                                                    'user': user}, None)

    # -- mail --

    def imap(self, user):
        context = ssl.create_default_context(cafile=self.stack['CA_FILE'])
        client = imaplib.IMAP4_SSL(self.stack['HOST'], int(self.stack['IMAPS_PORT']),
                                   ssl_context=context)
        client.login(self.address(user), self.password(user))
        return client

    def messages(self, user, mailbox='INBOX'):
        """Every message of USER's MAILBOX, as email.message.EmailMessage; [] when the mailbox
        does not exist."""
        client = self.imap(user)
        try:
            status, _ = client.select(imaplib_quote(mailbox), readonly=True)
            if status != 'OK':
                return []
            status, data = client.uid('SEARCH', None, 'ALL')
            found = []
            for uid in data[0].split():
                status, parts = client.uid('FETCH', uid, '(BODY.PEEK[])')
                for part in parts:
                    if isinstance(part, tuple):
                        found.append((part[1], email.message_from_bytes(
                            part[1], policy=email.policy.default)))
            return found
        finally:
            client.logout()

    def mailboxes(self, user):
        client = self.imap(user)
        try:
            status, data = client.list()
            return [line.decode(errors='replace') for line in data if line]
        finally:
            client.logout()

    def wait_for_message(self, user, subject, mailbox='INBOX'):
        def find():
            for raw, message in self.messages(user, mailbox):
                if message['Subject'] == subject:
                    return raw, message
            return None
        return wait_for(find, f'the mail "{subject}" in {user}\'s {mailbox}')

    # -- screenshots --

    def screenshot(self, name, window=None):
        """Saves the screen part the windows cover, or only the window titled WINDOW (on top of
        the others: no window manager runs, the last mapped is above), as NAME."""
        os.makedirs(self.screenshot_dir, exist_ok=True)
        path = os.path.join(self.screenshot_dir, name)
        width, height, rgb = grab_screen(self.display)
        if window is None:
            left, top, right, bottom = windows_box(width, height)
        else:
            x, y, w, h = window_geometry(window)
            left, top = max(0, x), max(0, y)
            right, bottom = min(width, x + w), min(height, y + h)
        stride = width * 3
        rgb = b''.join(rgb[y * stride + left * 3:y * stride + right * 3]
                       for y in range(top, bottom))
        write_png(path, right - left, bottom - top, rgb)
        log(f'screenshot: {path}')
        return path


def die_with_parent():
    """Runs in the forked child: PR_SET_PDEATHSIG, SIGTERM."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)


def imaplib_quote(mailbox):
    return '"' + mailbox.replace('\\', '\\\\').replace('"', '\\"') + '"'


# ---- screenshots: the root window through Xlib (no ImageMagick needed) ----------------------

class XImage(ctypes.Structure):
    _fields_ = [('width', ctypes.c_int), ('height', ctypes.c_int), ('xoffset', ctypes.c_int),
                ('format', ctypes.c_int), ('data', ctypes.POINTER(ctypes.c_char)),
                ('byte_order', ctypes.c_int), ('bitmap_unit', ctypes.c_int),
                ('bitmap_bit_order', ctypes.c_int), ('bitmap_pad', ctypes.c_int),
                ('depth', ctypes.c_int), ('bytes_per_line', ctypes.c_int),
                ('bits_per_pixel', ctypes.c_int), ('red_mask', ctypes.c_ulong),
                ('green_mask', ctypes.c_ulong), ('blue_mask', ctypes.c_ulong)]


def grab_screen(display_name):
    xlib = ctypes.CDLL(ctypes.util.find_library('X11'))
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XGetImage.restype = ctypes.POINTER(XImage)
    xlib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                               ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    xlib.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XDestroyImage = None  # a macro; the image's own destroy function frees it below
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XFree.argtypes = [ctypes.c_void_p]

    display = xlib.XOpenDisplay(display_name.encode())
    check(display, f'cannot open X display {display_name}')
    try:
        width = xlib.XDisplayWidth(display, 0)
        height = xlib.XDisplayHeight(display, 0)
        all_planes = ctypes.c_ulong(-1).value
        z_pixmap = 2
        image = xlib.XGetImage(display, xlib.XDefaultRootWindow(display), 0, 0, width, height,
                               all_planes, z_pixmap)
        check(image, 'XGetImage failed')
        ximage = image.contents
        check(ximage.bits_per_pixel == 32, f'unexpected {ximage.bits_per_pixel} bits per pixel')
        stride = ximage.bytes_per_line
        raw = ctypes.string_at(ximage.data, stride * height)
        rgb = bytearray()
        little = ximage.byte_order == 0
        for y in range(height):
            row = raw[y * stride:y * stride + width * 4]
            if little:  # BGRX in memory
                pixels = bytearray(width * 3)
                pixels[0::3] = row[2::4]
                pixels[1::3] = row[1::4]
                pixels[2::3] = row[0::4]
            else:  # XRGB
                pixels = bytearray(width * 3)
                pixels[0::3] = row[1::4]
                pixels[1::3] = row[2::4]
                pixels[2::3] = row[3::4]
            rgb += pixels
        # XDestroyImage is a macro over the image's f.destroy_image: XFree of data and struct.
        xlib.XFree(ctypes.cast(ximage.data, ctypes.c_void_p))
        xlib.XFree(ctypes.cast(image, ctypes.c_void_p))
        return width, height, bytes(rgb)
    finally:
        xlib.XCloseDisplay(display)


def write_png(path, width, height, rgb):
    def chunk(kind, data):
        body = kind + data
        crc = struct.pack('>I', zlib.crc32(body) & 0xffffffff)
        return struct.pack('>I', len(data)) + body + crc
    stride = width * 3
    scanlines = b''.join(b'\0' + rgb[y * stride:(y + 1) * stride] for y in range(height))
    png = (b'\x89PNG\r\n\x1a\n'
           + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
           + chunk(b'IDAT', zlib.compress(scanlines, 9))
           + chunk(b'IEND', b''))
    with open(path + '.part', 'wb') as png_file:
        png_file.write(png)
    os.replace(path + '.part', path)


# ---- AT-SPI ---------------------------------------------------------------------------------

class Ui:
    """The app's accessible tree, seen through pyatspi."""

    def __init__(self, session):
        import pyatspi
        self.pyatspi = pyatspi
        self.session = session

    def application(self):
        desktop = self.pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is None:
                continue
            try:
                if app.get_process_id() == self.session.app.pid:
                    return app
                if self.session.app_wrapped and app.name == os.path.basename(self.session.args.app):
                    return app
            except Exception:
                continue
        return None

    def windows(self):
        app = self.application()
        if app is None:
            return []
        return [app.getChildAtIndex(i) for i in range(app.childCount)
                if app.getChildAtIndex(i) is not None]

    def window(self, name, timeout=None):
        def find():
            check(self.session.app_running(), self.session.app_exit_message())
            for window in self.windows():
                if window.name == name:
                    return window
            return None
        return wait_for(find, f'the window "{name}"', timeout)

    def window_gone(self, name, timeout=None):
        """Waits until the window NAME no longer shows, then until GTK has taken it out of the
        app's children (a window the app only hides stays: that part gives up quietly). GTK 4.8
        answers a query that reaches a widget of a window being destroyed with an object path
        it no longer has (GLib criticals "g_variant_is_object_path: assertion 'string != NULL'",
        then the app may die): so no walk starts before the window is out of the tree, and a
        reference taken before (the main window's) is best found again with window(). A dead
        app fails the wait; an empty list of windows is not "gone"."""
        def closed():
            check(self.session.app_running(), self.session.app_exit_message())
            return all(window.name != name or not self.showing(window)
                       for window in self.windows())
        wait_for(closed, f'the window "{name}" to close', timeout)

        def removed():
            check(self.session.app_running(), self.session.app_exit_message())
            return all(window.name != name for window in self.windows())
        try:
            wait_for(removed, f'the window "{name}" to leave the app\'s windows', timeout=10)
        except Failure:
            if not self.session.app_running():
                raise
            log(f'the window "{name}" is hidden, not destroyed')

    def name_of(self, accessible):
        """ACCESSIBLE's name for a message: never raises for a reference gone stale, but a dead
        app fails."""
        try:
            return accessible.name
        except Exception as error:
            gone = app_gone_failure()
            if gone is not None:
                raise gone from error
            return f'(gone: {error})'

    def query(self, function, *args):
        """FUNCTION(*ARGS), one question to the app, asked again once when the accessible it
        reached went away meanwhile (a window closing, a toast going). A dead app fails."""
        try:
            return function(*args)
        except Failure:
            raise
        except Exception as error:
            gone = app_gone_failure()
            if gone is not None:
                raise gone from error
            if not is_stale_error(error):
                raise
            log(f'retrying after a stale reference: {error}')
            time.sleep(0.2)
            return function(*args)

    def showing(self, accessible):
        # GTK 4.8 sets SHOWING on windows only; its widgets say VISIBLE when shown, and hidden
        # ones leave the tree.
        states = accessible.getState()
        return states.contains(self.pyatspi.STATE_SHOWING) or \
            states.contains(self.pyatspi.STATE_VISIBLE)

    def walk(self, root):
        stack = [root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            yield node
            try:
                count = node.childCount
            except Exception:
                continue
            for i in reversed(range(count)):
                try:
                    stack.append(node.getChildAtIndex(i))
                except Exception:
                    pass

    def find_all(self, root, name=None, roles=None, showing=True, predicate=None):
        found = []
        for node in self.walk(root):
            try:
                if name is not None and node.name != name:
                    continue
                if roles is not None and node.getRole() not in roles:
                    continue
                if showing and not self.showing(node):
                    continue
                if predicate is not None and not predicate(node):
                    continue
            except Exception:
                continue
            found.append(node)
        return found

    def find(self, root, name, roles=None, what=None, timeout=None, predicate=None):
        """The first showing accessible named exactly NAME (with one of ROLES) under ROOT, waited
        for. The names are the agreed ones, read as a screen reader reads them: "IMAP Server",
        not "IMAP Server Server" (GTK 4.8 joins a label set by the UI and the widget's
        labelled-by relation; the app keeps one of them)."""
        def first():
            check(self.session.app_running(), self.session.app_exit_message())
            nodes = self.find_all(root, name, roles, predicate=predicate)
            return nodes[0] if nodes else None
        return wait_for(first, what or f'"{name}" in "{self.name_of(root)}"', timeout)

    def dump(self, root, limit=400):
        lines = []
        for node in self.walk(root):
            if len(lines) >= limit:
                break
            depth = 0
            parent = node
            try:
                while parent is not None and parent != root and depth < 40:
                    parent = parent.parent
                    depth += 1
                lines.append('  ' * depth + f'[{node.getRoleName()}] "{node.name}"'
                             + ('' if self.showing(node) else ' (hidden)'))
            except Exception as error:
                lines.append(f'(gone: {error})')
        return '\n'.join(lines)

    # -- entries --

    def entry(self, root, name):
        """The editable text whose accessible name is NAME (an AdwEntryRow's title labels its
        text field)."""
        pyatspi = self.pyatspi
        roles = (pyatspi.ROLE_ENTRY, pyatspi.ROLE_TEXT, pyatspi.ROLE_PASSWORD_TEXT,
                 pyatspi.ROLE_SPIN_BUTTON)
        return self.find(root, name, roles,
                         f'the text field "{name}" in "{self.name_of(root)}"')

    def text_of(self, accessible):
        try:
            text = accessible.queryText()
            # GTK 4.8 reads end -1 as an empty range: ask for the character count.
            return text.getText(0, text.characterCount)
        except NotImplementedError:
            return accessible.name

    def set_text(self, accessible, value):
        """Replaces the field's text: through EditableText when the toolkit implements it (GTK
        4.8 answers FALSE), else by focusing the field, selecting all and typing, as a user
        would."""
        done = False
        try:
            done = bool(accessible.queryEditableText().setTextContents(value))
        except NotImplementedError:
            pass
        if not done:
            self.focus(accessible)
            self.key_combo('ctrl+a')
            if value:
                self.type_text(value)
            else:
                self.press_key('BackSpace')
        wait_for(lambda: self.text_of(accessible) == value,
                 f'"{accessible.name}" to read "{value}" (reads "{self.text_of(accessible)}")')

    def focus(self, accessible):
        """Gives the field the keyboard focus by a click in its middle, as a user would: GTK 4.8
        implements neither Component.grabFocus nor the FOCUSED state, so what the typing did is
        checked on the text afterwards."""
        self.click(accessible)
        time.sleep(0.2)

    def click(self, accessible):
        """A left click in the middle of ACCESSIBLE. GTK 4 reports extents relative to its
        window only ("Screen coordinates not supported"), so the window's origin comes from X."""
        pyatspi = self.pyatspi
        extents = accessible.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        toplevel = accessible
        while toplevel.parent is not None and \
                toplevel.parent.getRole() != pyatspi.ROLE_APPLICATION:
            toplevel = toplevel.parent
        origin_x, origin_y = window_origin(toplevel.name)
        x = origin_x + extents.x + extents.width // 2
        y = origin_y + extents.y + extents.height // 2
        pyatspi.Registry.generateMouseEvent(x, y, pyatspi.MOUSE_B1C)
        time.sleep(0.1)

    def type_text(self, value):
        for character in value:
            keysym = keysym_of(character)
            self.pyatspi.Registry.generateKeyboardEvent(keysym, None, self.pyatspi.KEY_SYM)
            time.sleep(0.01)

    def press_key(self, name):
        self.pyatspi.Registry.generateKeyboardEvent(keysym_from_name(name), None,
                                                    self.pyatspi.KEY_SYM)
        time.sleep(0.05)

    def key_combo(self, combo):
        """'ctrl+a', 'ctrl+n', 'Return': presses the modifiers, the key, releases."""
        pyatspi = self.pyatspi
        *modifiers, key = combo.split('+')
        modifier_syms = {'ctrl': 'Control_L', 'shift': 'Shift_L', 'alt': 'Alt_L'}
        codes = [keycode_of(keysym_from_name(modifier_syms[m])) for m in modifiers]
        for code in codes:
            pyatspi.Registry.generateKeyboardEvent(code, None, pyatspi.KEY_PRESS)
        key_code = keycode_of(keysym_from_name(key) if len(key) > 1 else keysym_of(key))
        pyatspi.Registry.generateKeyboardEvent(key_code, None, pyatspi.KEY_PRESSRELEASE)
        for code in reversed(codes):
            pyatspi.Registry.generateKeyboardEvent(code, None, pyatspi.KEY_RELEASE)
        time.sleep(0.1)

    # -- buttons, switches --

    def press(self, accessible):
        action = accessible.queryAction()
        for i in range(action.nActions):
            if action.getName(i) in ('click', 'press', 'activate', 'toggle'):
                action.doAction(i)
                return
        action.doAction(0)

    def button(self, root, name, timeout=None):
        pyatspi = self.pyatspi
        return self.find(root, name, (pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON),
                         f'the button "{name}" in "{self.name_of(root)}"', timeout)

    def combo_values(self, combo):
        """The texts an AdwComboRow shows besides its title (the selected item, and the
        subtitle when it repeats it): the labels outside its popover."""
        pyatspi = self.pyatspi
        return [self.text_of(node) for node in self.walk(combo)
                if node.getRole() == pyatspi.ROLE_LABEL and node.name != combo.name
                and not self._in_popover(node, combo)]

    def _in_popover(self, node, stop):
        parent = node.parent
        while parent is not None and parent != stop:
            if parent.name == 'GtkPopover':
                return True
            parent = parent.parent
        return False

    def choose(self, root, combo_name, item):
        """Selects ITEM in the AdwComboRow named COMBO_NAME as a keyboard user does: a click
        opens its popover (AdwComboRow has no AT-SPI action), Home, Down to the item, Return."""
        pyatspi = self.pyatspi
        combo = self.find(root, combo_name, (pyatspi.ROLE_COMBO_BOX,),
                          f'the combo row "{combo_name}" in "{self.name_of(root)}"')
        if item in self.combo_values(combo):
            return combo
        self.click(combo)

        def items():
            popovers = self.find_all(combo, 'GtkPopover', showing=False)
            if not popovers:
                return None
            rows = [node for node in self.walk(popovers[0])
                    if node.getRole() == pyatspi.ROLE_LIST_ITEM]
            texts = [[self.text_of(label) for label in self.walk(row)
                      if label.getRole() == pyatspi.ROLE_LABEL] for row in rows]
            return texts or None
        rows = wait_for(items, f'the choices of "{combo_name}"')
        index = next((i for i, texts in enumerate(rows) if item in texts), None)
        check(index is not None, f'"{combo_name}" offers {rows}, not "{item}"')
        self.press_key('Home')
        for _ in range(index):
            self.press_key('Down')
        self.press_key('Return')
        wait_for(lambda: item in self.combo_values(combo),
                 f'"{combo_name}" to show "{item}" (shows {self.combo_values(combo)})')
        return combo

    def switch_in(self, row):
        """The switch of an AdwExpanderRow with an enable switch, or of an AdwSwitchRow-like
        row: role check box (GtkSwitch), action "toggle"."""
        pyatspi = self.pyatspi
        switches = self.find_all(row, roles=(pyatspi.ROLE_CHECK_BOX, pyatspi.ROLE_TOGGLE_BUTTON))
        check(switches, f'no switch in "{row.name}"')
        return switches[0]

    def set_switch(self, row, on):
        switch = self.switch_in(row)
        if self.checked(switch) != on:
            self.press(switch)
        wait_for(lambda: self.checked(switch) == on,
                 f'the switch of "{row.name}" to be {"on" if on else "off"}')

    def sensitive(self, accessible):
        return accessible.getState().contains(self.pyatspi.STATE_SENSITIVE)

    def checked(self, accessible):
        states = accessible.getState()
        return states.contains(self.pyatspi.STATE_CHECKED) or \
            states.contains(self.pyatspi.STATE_PRESSED)

    def resize(self, window, width, height):
        """Resizes WINDOW's X window (no window manager runs, so the request is granted as is),
        for a screenshot that shows a long page whole."""
        resize_x_window(window.name, width, height)
        time.sleep(0.5)

    # -- text on screen --

    def visible_texts(self, root):
        """Every showing label's text (and every accessible name), for messages on screen."""
        texts = []
        for node in self.walk(root):
            try:
                if not self.showing(node):
                    continue
                if node.name:
                    texts.append(node.name)
                if node.getRole() == self.pyatspi.ROLE_LABEL:
                    text = self.text_of(node)
                    if text and text != node.name:
                        texts.append(text)
            except Exception:
                continue
        return texts

    def wait_for_text(self, root, fragment, timeout=None):
        """The first showing text under ROOT (an accessible, or the name of a top-level window,
        found again on every try) that contains FRAGMENT, waited for."""
        if isinstance(root, str):
            window_name = root
        else:
            window_name = None
            root_name = self.name_of(root)

        def current():
            if window_name is None:
                return root
            windows = [window for window in self.windows() if window.name == window_name]
            return windows[0] if windows else None

        def find():
            check(self.session.app_running(), self.session.app_exit_message())
            node = self.query(current)
            if node is None:
                return None
            for text in self.query(self.visible_texts, node):
                if fragment in text:
                    return text
            return None
        where = window_name or root_name
        try:
            return wait_for(find, f'a text containing "{fragment}" in "{where}"', timeout)
        except Failure as failure:
            gone = app_gone_failure()
            if gone is not None:
                raise gone from None
            try:
                node = current()
                shown = [text for text in self.visible_texts(node) if ' ' in text] if node else []
            except Exception as error:
                shown = f'(unreadable: {error})'
            raise Failure(f'{failure}; the sentences shown: {shown}') from None


# ---- keysyms and keycodes (Xlib) ------------------------------------------------------------

_xlib = None
_xdisplay = None


class XWindowAttributes(ctypes.Structure):
    _fields_ = [('x', ctypes.c_int), ('y', ctypes.c_int), ('width', ctypes.c_int),
                ('height', ctypes.c_int), ('border_width', ctypes.c_int), ('depth', ctypes.c_int),
                ('visual', ctypes.c_void_p), ('root', ctypes.c_ulong), ('class_', ctypes.c_int),
                ('bit_gravity', ctypes.c_int), ('win_gravity', ctypes.c_int),
                ('backing_store', ctypes.c_int), ('backing_planes', ctypes.c_ulong),
                ('backing_pixel', ctypes.c_ulong), ('save_under', ctypes.c_int),
                ('colormap', ctypes.c_ulong), ('map_installed', ctypes.c_int),
                ('map_state', ctypes.c_int), ('all_event_masks', ctypes.c_long),
                ('your_event_mask', ctypes.c_long), ('do_not_propagate_mask', ctypes.c_long),
                ('override_redirect', ctypes.c_int), ('screen', ctypes.c_void_p)]


def _x():
    global _xlib, _xdisplay
    if _xlib is None:
        _xlib = ctypes.CDLL(ctypes.util.find_library('X11'))
        _xlib.XOpenDisplay.restype = ctypes.c_void_p
        _xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
        _xlib.XStringToKeysym.restype = ctypes.c_ulong
        _xlib.XStringToKeysym.argtypes = [ctypes.c_char_p]
        _xlib.XKeysymToKeycode.restype = ctypes.c_ubyte
        _xlib.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        _xlib.XDefaultRootWindow.restype = ctypes.c_ulong
        _xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        _xlib.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                     ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_ulong),
                                     ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                     ctypes.POINTER(ctypes.c_uint)]
        _xlib.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                     ctypes.POINTER(ctypes.c_char_p)]
        _xlib.XFree.argtypes = [ctypes.c_void_p]
        _xlib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                               ctypes.POINTER(XWindowAttributes)]
        _xlib.XTranslateCoordinates.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong,
                                                ctypes.c_int, ctypes.c_int,
                                                ctypes.POINTER(ctypes.c_int),
                                                ctypes.POINTER(ctypes.c_int),
                                                ctypes.POINTER(ctypes.c_ulong)]
        _xlib.XResizeWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_uint,
                                        ctypes.c_uint]
        _xlib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        _xdisplay = _xlib.XOpenDisplay(os.environ['DISPLAY'].encode())
    return _xlib, _xdisplay


def window_title(xlib, display, window):
    """The title of an X window: _NET_WM_NAME (UTF-8, EWMH), which GTK sets, else WM_NAME (which
    GTK writes in another encoding when the title is not ASCII: "Préférences"), else None."""
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
    name_atom = xlib.XInternAtom(display, b'_NET_WM_NAME', 0)
    utf8_atom = xlib.XInternAtom(display, b'UTF8_STRING', 0)
    kind, fmt = ctypes.c_ulong(), ctypes.c_int()
    items, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
    if xlib.XGetWindowProperty(display, window, name_atom, 0, 1024, 0, utf8_atom,
                               ctypes.byref(kind), ctypes.byref(fmt), ctypes.byref(items),
                               ctypes.byref(after), ctypes.byref(data)) == 0 and data.value:
        title = ctypes.string_at(data.value, items.value).decode(errors='replace')
        xlib.XFree(data)
        return title
    name = ctypes.c_char_p()
    if not xlib.XFetchName(display, window, ctypes.byref(name)) or not name.value:
        return None
    title = name.value.decode(errors='replace')
    xlib.XFree(ctypes.cast(name, ctypes.c_void_p))
    return title


def find_x_window(title):
    """The mapped top-level X window named TITLE (no window manager runs: GTK's own windows
    are the root's children)."""
    xlib, display = _x()
    root = xlib.XDefaultRootWindow(display)
    root_return = ctypes.c_ulong()
    parent_return = ctypes.c_ulong()
    children = ctypes.POINTER(ctypes.c_ulong)()
    count = ctypes.c_uint()
    xlib.XQueryTree(display, root, ctypes.byref(root_return), ctypes.byref(parent_return),
                    ctypes.byref(children), ctypes.byref(count))
    try:
        for i in range(count.value):
            window = children[i]
            if window_title(xlib, display, window) != title:
                continue
            attributes = XWindowAttributes()
            xlib.XGetWindowAttributes(display, window, ctypes.byref(attributes))
            if attributes.map_state == 2:  # IsViewable
                return window
    finally:
        if children:
            xlib.XFree(ctypes.cast(children, ctypes.c_void_p))
    raise Failure(f'no mapped X window named "{title}"')


def window_origin(title):
    """The root coordinates of the top-level X window named TITLE."""
    xlib, display = _x()
    x = ctypes.c_int()
    y = ctypes.c_int()
    child = ctypes.c_ulong()
    xlib.XTranslateCoordinates(display, find_x_window(title), xlib.XDefaultRootWindow(display),
                               0, 0, ctypes.byref(x), ctypes.byref(y), ctypes.byref(child))
    return x.value, y.value


def window_geometry(title):
    """(x, y, width, height) of the top-level X window named TITLE, in root coordinates."""
    xlib, display = _x()
    attributes = XWindowAttributes()
    xlib.XGetWindowAttributes(display, find_x_window(title), ctypes.byref(attributes))
    x, y = window_origin(title)
    return x, y, attributes.width, attributes.height


def resize_x_window(title, width, height):
    xlib, display = _x()
    window = find_x_window(title)
    xlib.XResizeWindow(display, window, width, height)
    xlib.XSync(display, 0)


def mapped_windows():
    """(x, y, width, height) of every mapped child of the root window."""
    xlib, display = _x()
    root = xlib.XDefaultRootWindow(display)
    root_return = ctypes.c_ulong()
    parent_return = ctypes.c_ulong()
    children = ctypes.POINTER(ctypes.c_ulong)()
    count = ctypes.c_uint()
    xlib.XQueryTree(display, root, ctypes.byref(root_return), ctypes.byref(parent_return),
                    ctypes.byref(children), ctypes.byref(count))
    boxes = []
    try:
        for i in range(count.value):
            attributes = XWindowAttributes()
            xlib.XGetWindowAttributes(display, children[i], ctypes.byref(attributes))
            if attributes.map_state == 2 and attributes.width > 1 and attributes.height > 1:
                boxes.append((attributes.x, attributes.y, attributes.width, attributes.height))
    finally:
        if children:
            xlib.XFree(ctypes.cast(children, ctypes.c_void_p))
    return boxes


def windows_box(width, height):
    """The part of the screen the windows cover (the whole screen when none is mapped)."""
    boxes = mapped_windows()
    if not boxes:
        return 0, 0, width, height
    left = max(0, min(x for x, _, _, _ in boxes))
    top = max(0, min(y for _, y, _, _ in boxes))
    right = min(width, max(x + w for x, _, w, _ in boxes))
    bottom = min(height, max(y + h for _, y, _, h in boxes))
    if right <= left or bottom <= top:
        return 0, 0, width, height
    return left, top, right, bottom


def keysym_from_name(name):
    xlib, _ = _x()
    keysym = xlib.XStringToKeysym(name.encode())
    check(keysym != 0, f'no keysym named {name}')
    return keysym


def keysym_of(character):
    code = ord(character)
    if 0x20 <= code <= 0x7e or 0xa0 <= code <= 0xff:
        return code  # Latin-1 keysyms are the code points
    return 0x01000000 | code


def keycode_of(keysym):
    xlib, display = _x()
    code = xlib.XKeysymToKeycode(display, keysym)
    check(code != 0, f'no keycode for keysym {keysym:#x}')
    return code


# ---- entry point ----------------------------------------------------------------------------

def main(test, display='xvfb'):
    """Runs TEST(session) (see the module's header); DISPLAY is one of DISPLAY_MODES."""
    assert display in DISPLAY_MODES, display
    script = os.path.abspath(sys.argv[0])
    if INNER not in os.environ:
        sys.exit(outer(script, display))

    global _session
    # Ignored as dbus-run-session was started (see outer()): Ctrl+C, SIGTERM (a test's timeout,
    # kill) and SIGHUP (the demo's terminal closed) interrupt the run again, once: the stopping
    # of its daemons and of what they launched is not interrupted by a second one.
    def interrupted(number, frame):
        ignore_stop_signals()
        raise KeyboardInterrupt
    for number in STOP_SIGNALS:
        signal.signal(number, interrupted)
    args = parse_args()
    session = Session(args, os.environ[INNER])
    session.display_mode = display
    _session = session
    status = 1
    try:
        if display == 'xvfb':
            session.start_x()
            session.start_a11y()
        # Otherwise session.display stays None: no screenshot of a desktop that is not ours.
        session.start_keyring()
        session.start_stack()
        test(session)
        # A test may quit the app on purpose (status 0); a crash after the last wait still fails.
        check(session.app is None or session.app_running() or session.app.returncode == 0,
              session.app_exit_message() if session.app is not None else '')
        check('CRITICAL' not in session.log_of('app', whole=True),
              'the app logged a critical:\n' + session.log_of('app'))
        status = 0
        log('passed')
    except KeyboardInterrupt:
        ignore_stop_signals()
        log('interrupted: stopping')
    except Failure as failure:
        log(f'FAILED: {failure}')
        traceback.print_exc(file=sys.stdout)
    except Exception:
        log('FAILED with an exception')
        traceback.print_exc(file=sys.stdout)
    finally:
        ignore_stop_signals()
        if status != 0:
            try:
                if session.display and session.app is not None:
                    session.screenshot('failure-' + os.path.basename(script).replace('.py', '')
                                       + '.png')
            except Exception as error:
                log(f'no failure screenshot: {error}')
            try:
                if session.app_running():
                    ui = Ui(session)
                    app = ui.application()
                    if app is not None:
                        log('the app\'s accessible tree:\n' + ui.dump(app, limit=600))
            except Exception as error:
                log(f'no accessible tree: {error}')
            log('the app said:\n' + session.log_of('app'))
        session.stop()
    sys.exit(status)


# ---- shared steps ---------------------------------------------------------------------------

def fill_account_page(session, ui, window, user='alice', password=None, ca_preset=False):
    """Types USER's account into the account page of WINDOW as a user of this mail stack does:
    the address (and checks that a guess fills the servers), then the real servers, which the
    guess cannot know (the stack listens on 127.0.0.1 on free ports). CA_PRESET: the stack's CA
    was preset in the settings, and the page must show it."""
    address = session.address(user)
    # Tall enough for every row to be on screen, where clicks reach it.
    ui.resize(window, 600, 1150)
    ui.set_text(ui.entry(window, 'Email Address'), address)
    imap_host = ui.entry(window, 'IMAP Server')
    smtp_host = ui.entry(window, 'SMTP Server')
    guessed = wait_for(lambda: ui.text_of(imap_host) and ui.text_of(smtp_host)
                       and (ui.text_of(imap_host), ui.text_of(smtp_host)),
                       'the server guess to fill "IMAP Server" and "SMTP Server"')
    log(f'guessed from {address}: IMAP {guessed[0]}, SMTP {guessed[1]}')
    check(session.stack['DOMAIN'] in guessed[0] and session.stack['DOMAIN'] in guessed[1],
          f'the guess {guessed} is not on {session.stack["DOMAIN"]}')

    ui.set_text(ui.entry(window, 'Name'), user.capitalize() + ' Example')
    ui.set_text(ui.entry(window, 'Password'),
                password if password is not None else session.password(user))
    ui.set_text(imap_host, session.stack['HOST'])
    ui.set_text(ui.entry(window, 'IMAP Port'), session.stack['IMAPS_PORT'])
    ui.choose(window, 'IMAP Security', 'TLS')
    ui.set_text(smtp_host, session.stack['HOST'])
    ui.set_text(ui.entry(window, 'SMTP Port'), session.stack['SUBMISSION_PORT'])
    ui.choose(window, 'SMTP Security', 'STARTTLS')

    # The stack's CA is an organisation's own: the "Advanced" expander holds it.
    advanced = ui.find(window, 'Advanced', what='the "Advanced" expander row',
                       predicate=lambda node: node.getRole() != ui.pyatspi.ROLE_LABEL)
    ui.click(advanced)
    ca_entry = ui.entry(window, 'Certificate Authority File')
    ca_file = session.stack['CA_FILE']
    if ca_preset:
        check(ui.text_of(ca_entry) == ca_file,
              f'the preset ca-file is not shown: "{ui.text_of(ca_entry)}"')
    else:
        ui.set_text(ca_entry, ca_file)
    return address


def preconfigure_account(session, user='alice', types=None):
    """Writes USER's account into the settings keyfile and both passwords into the keyring,
    as a completed first run leaves them, before the app starts."""
    from gi.repository import GLib
    address = session.address(user)
    domain = session.stack['DOMAIN']
    host = session.stack['HOST']
    if types is None:
        types = [('Videoconference', f'videoconference@{domain}', 'camera-web-symbolic', '', ''),
                 ('Whiteboard', f'whiteboard@{domain}', 'document-edit-symbolic', '', '')]
    session.write_settings({
        'account-address': GLib.Variant('s', address),
        'account-name': GLib.Variant('s', user.capitalize() + ' Example'),
        'imap-host': GLib.Variant('s', host),
        'imap-port': GLib.Variant('q', int(session.stack['IMAPS_PORT'])),
        'imap-security': GLib.Variant('s', 'tls'),
        'imap-user': GLib.Variant('s', address),
        'smtp-host': GLib.Variant('s', host),
        'smtp-port': GLib.Variant('q', int(session.stack['SUBMISSION_PORT'])),
        'smtp-security': GLib.Variant('s', 'starttls'),
        'smtp-user': GLib.Variant('s', address),
        'ca-file': GLib.Variant('s', session.stack['CA_FILE']),
        'session-types': GLib.Variant('a(sssss)', types),
    })
    session.store_password('imap', host, address, session.password(user))
    session.store_password('smtp', host, address, session.password(user))
    return address


def type_address(ui, window, field, address, separator=','):
    """Types ADDRESS into the address field FIELD ("Participants", "Cc") and ends it with
    SEPARATOR (',' ';' or 'Return'), as a user does; returns the field's text entry."""
    entry = ui.entry(window, field)
    ui.focus(entry)
    ui.type_text(address)
    if separator == 'Return':
        ui.press_key('Return')
    else:
        ui.type_text(separator)
    return entry


def add_address(ui, window, field, address, separator=','):
    """type_address(), and waits for the chip it makes: its "Remove ADDRESS" button."""
    type_address(ui, window, field, address, separator)
    return ui.button(window, f'Remove {address}')
