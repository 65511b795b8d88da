#!/usr/bin/env python3
# test-screenshots.py — the app's four faces, in English and in French, as a software centre shows
# them, with the real service and manager behind them (E451–E453): the main window listing an
# active, two upcoming and a cancelled session; the composer filled in (type, participants as
# chips, title, message, schedule); the join prompt of an invitation; the preferences (the
# account page and the Sessions page). Saved as SCREENSHOTS/LANG/NAME.png, each checked: a PNG of
# the expected size that is not blank, taken while its window showed the texts of its language
# (po/fr.po's msgstr for French, and none of the English msgids they replace).
#
# On the way the join prompt is tested as a user meets it: it shows the title, the times in the
# user's zone, the organizer and a countdown; Join there reaches the service (the store says
# accepted) and the prompt says so; the manager's address then reschedules the session 30 min
# later (a higher SEQUENCE) and the countdown moves with it.
#
# Each language has a user of its own (en: bob, fr: carol; their sessions are theirs alone) and
# fixed, realistic content: people's names, titles, a public-looking join link (the manager's
# public-url is https://convene.example.org: no session here reaches its start, so nothing asks
# the gateway) and, for the preferences only, servers as a provider's would read (set once the
# service's part is done). French runs under LANGUAGE=fr with the catalogue compiled from
# po/fr.po (CONVENE_LOCALEDIR) and, when glibc's locale sources are installed (Debian: locales),
# a fr_FR.UTF-8 locale compiled into the temporary directory (LOCPATH) for the dates.
#
# The metainfo's screenshots (data/screenshots/) are these files: with
# CNV_UPDATE_SCREENSHOTS=DIR the test copies them into DIR (English NAME.png, French
# NAME-fr.png) and writes their sizes into the metainfo next to DIR/../app/ (see
# data/screenshots/README.md).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import ast
import ctypes
import datetime
import email.message
import email.policy
import email.utils
import os
import re
import shutil
import smtplib
import ssl
import struct
import subprocess
import sys
import time
import uuid
import zlib
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import service_harness as sh  # noqa: E402  (puts tests/ui on the path)
import harness  # noqa: E402
from service_harness import check, log, wait_for  # noqa: E402

PUBLIC_URL = 'https://convene.example.org'
UI_NAME = 'io.github.convene.Convene.Ui'
UI_PATH = '/io/github/convene/Convene'

# Per language: the user whose screens these are, the people, the sessions and the composer's
# draft. Titles are unique within a run (each run has a fresh mail stack and manager).
CONTENT = {
    'en': {
        'user': 'bob',
        'names': {'alice': 'Alice Martin', 'bob': 'Bob Wilson', 'carol': 'Carol Jones',
                  'dave': 'Dave Kim'},
        'types': ('Videoconference', 'Whiteboard'),
        'joined': 'Design review',
        'upcoming': 'Sprint retrospective',
        'active': 'Daily stand-up',
        'cancelled': 'Budget planning',
        'draft': {
            'title': 'Product demo',
            'message': 'A first look at the new release, with time for questions.',
        },
    },
    'fr': {
        'user': 'carol',
        'names': {'alice': 'Alice Martin', 'bob': 'Bruno Lefèvre', 'carol': 'Camille Dubois',
                  'dave': 'David Petit'},
        'types': ('Visioconférence', 'Tableau blanc'),
        'joined': 'Revue de conception',
        'upcoming': 'Rétrospective du sprint',
        'active': 'Point quotidien',
        'cancelled': 'Budget prévisionnel',
        'draft': {
            'title': 'Démonstration produit',
            'message': 'Un premier aperçu de la nouvelle version, avec du temps pour les '
                       'questions.',
        },
    },
}

# What each screenshot must show (English msgids, read in the language of the run), and the
# range of its size: (min width, min height, max width, max height).
SHOTS = {
    'join-prompt': (['Organizer', 'Participants', 'Link', 'Not Now', 'Join'],
                    (360, 400, 900, 1200)),
    'main-window': (['Active', 'Upcoming', 'Past', 'Join'], (720, 640, 720, 640)),
    'composer': (['Session Type', 'Participants', 'Title', 'Message', 'Schedule', 'Start Date',
                  'Duration', 'Cancel'], (600, 1010, 600, 1010)),
    'preferences-account': (['Email Address', 'IMAP Server', 'SMTP Server', 'Test Connection'],
                            (640, 500, 640, 1200)),
    'preferences-sessions': (['Run in Background', 'Reminder Before Start',
                              'Warning Before End'], (640, 500, 640, 1200)),
}

# The metainfo's screenshots: (the metainfo's file, the run's language, the shot).
METAINFO_SHOTS = [
    ('composer.png', 'en', 'composer'),
    ('join-prompt.png', 'en', 'join-prompt'),
    ('session-list.png', 'en', 'main-window'),
    ('composer-fr.png', 'fr', 'composer'),
    ('join-prompt-fr.png', 'fr', 'join-prompt'),
    ('session-list-fr.png', 'fr', 'main-window'),
    ('preferences-sessions.png', 'en', 'preferences-sessions'),
    ('preferences-sessions-fr.png', 'fr', 'preferences-sessions'),
]


# ---- the French catalogue -----------------------------------------------------------------

def read_po(path):
    """(msgctxt or None, msgid) -> msgstr of a PO file: its entries are separated by blank lines
    (GNU gettext manual, "The Format of PO Files"); plural forms and fuzzy entries are left out,
    as msgfmt leaves the fuzzy ones out."""
    catalogue = {}
    with open(path, encoding='utf-8') as po_file:
        blocks = po_file.read().split('\n\n')
    for block in blocks:
        entry, field = {}, None
        fuzzy = False
        for line in block.splitlines():
            line = line.strip()
            if line.startswith('#,'):
                fuzzy = fuzzy or 'fuzzy' in line
            elif line.startswith('#') or not line:
                continue
            elif line.startswith('"'):
                if field is not None:
                    entry[field] += ast.literal_eval(line)
            else:
                keyword, _, rest = line.partition(' ')
                field = keyword if keyword in ('msgctxt', 'msgid', 'msgstr') else None
                if field is not None:
                    entry[field] = ast.literal_eval(rest)
        if entry.get('msgid') and entry.get('msgstr') and not fuzzy:
            catalogue[(entry.get('msgctxt'), entry['msgid'])] = entry['msgstr']
    return catalogue


class Language:
    """The texts the app shows in one language: tr('Join') is what a user reads."""

    def __init__(self, code, catalogue=None):
        self.code = code
        self.catalogue = catalogue or {}

    def tr(self, msgid, context=None):
        if self.code == 'en':
            return msgid
        text = self.catalogue.get((context, msgid))
        check(text, f'po/fr.po has no translation of "{msgid}"')
        return text

    def without_mnemonic(self, msgid):
        return self.tr(msgid).replace('_', '')


def compile_catalogue(session, po_file):
    locale_dir = os.path.join(session.top, 'locale')
    messages_dir = os.path.join(locale_dir, 'fr', 'LC_MESSAGES')
    os.makedirs(messages_dir, exist_ok=True)
    result = subprocess.run(['msgfmt', '--check', '-o', os.path.join(messages_dir, 'convene.mo'),
                             po_file], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            check=False)
    check(result.returncode == 0, f'msgfmt failed on {po_file}:\n' + result.stdout.decode())
    return locale_dir


def compile_french_locale(session):
    """A fr_FR.UTF-8 locale in the temporary directory (for LOCPATH), or None when glibc's locale
    sources are not installed: the dates then stay in the C locale's words."""
    path = os.path.join(session.top, 'locales')
    os.makedirs(path, exist_ok=True)
    if shutil.which('localedef') is None:
        return None
    result = subprocess.run(['localedef', '-i', 'fr_FR', '-f', 'UTF-8',
                             os.path.join(path, 'fr_FR.UTF-8')],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    if not os.path.isdir(os.path.join(path, 'fr_FR.UTF-8')):
        log('no fr_FR.UTF-8 locale (localedef: ' + result.stdout.decode(errors='replace').strip()
            + '): the dates stay in English')
        return None
    return path


# ---- the UI of one user, in one language --------------------------------------------------

def start_ui(user, locale_env, *args):
    """user.start_ui(ARGS), with the locale of the run: User.env() sets LANG and LC_ALL to
    C.UTF-8 after copying this process's environment, so they are set again here."""
    env = user.service_env()
    env.pop('G_MESSAGES_DEBUG', None)
    env.update(locale_env)
    session = user.session
    if session.app is not None and session.app_running():
        result = subprocess.run([session.args.app] + list(args), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                                check=False)
        log(f'{user.name}: convene {" ".join(args)} (forwarded): exit {result.returncode} '
            + result.stdout.decode(errors='replace'))
        check(result.returncode == 0, 'the second convene failed')
        return session.app
    session.app = session.spawn('app', [session.args.app] + list(args), env=env, cwd=user.root)
    session.app_wrapped = False
    log(f'{user.name}: started convene {" ".join(args)} (pid {session.app.pid}, '
        f'{locale_env})')
    return session.app


def quit_ui(user):
    """app.quit on USER's running UI (no draft is left: it quits at once), and its exit."""
    from gi.repository import GLib
    user.bus.call(UI_NAME, UI_PATH, 'org.gtk.Actions', 'Activate',
                  GLib.Variant('(sava{sv})', ('quit', [], {})))
    app = user.session.app
    wait_for(lambda: app.poll() is not None, f'{user.name}\'s UI to quit')
    check(app.returncode == 0, user.session.app_exit_message())


# ---- mail ---------------------------------------------------------------------------------

def send_request(session, names, sender, participants, title, start, end, message_text=''):
    """A request as a plain mail client writes it (sh.send_request, with the people's names):
    To the manager address and the participants, the times in a text/calendar part (UTC)."""
    domain = session.stack['DOMAIN']
    from_address = session.address(sender)
    manager_address = f'videoconference@{domain}'
    people = [(names[user], session.address(user)) for user in participants]
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message['From'] = email.utils.formataddr((names[sender], from_address))
    message['To'] = ', '.join([manager_address] + [email.utils.formataddr(p) for p in people])
    message['Subject'] = title
    message['Date'] = email.utils.formatdate(localtime=False)
    message['Message-ID'] = email.utils.make_msgid(domain=domain)
    message.set_content(message_text or f'{title}\n')
    attendees = ''.join(f'ATTENDEE;CN="{name}";ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{address}\r\n'
                        for name, address in [(names[sender], from_address)] + people)
    calendar = ('BEGIN:VCALENDAR\r\n'
                'PRODID:-//Convene tests//screenshots//EN\r\n'
                'VERSION:2.0\r\n'
                'METHOD:REQUEST\r\n'
                'BEGIN:VEVENT\r\n'
                f'UID:{uuid.uuid4()}@{domain}\r\n'
                'SEQUENCE:0\r\n'
                f'DTSTAMP:{sh.ical_time(time.time())}\r\n'
                f'DTSTART:{sh.ical_time(start)}\r\n'
                f'DTEND:{sh.ical_time(end)}\r\n'
                f'SUMMARY:{title}\r\n'
                f'ORGANIZER;CN="{names[sender]}":mailto:{from_address}\r\n'
                f'{attendees}'
                'END:VEVENT\r\n'
                'END:VCALENDAR\r\n')
    message.add_alternative(calendar, subtype='calendar', params={'method': 'REQUEST'})
    recipients = [manager_address] + [address for _, address in people]
    context = ssl.create_default_context(cafile=session.stack['CA_FILE'])
    with smtplib.SMTP(session.stack['HOST'], int(session.stack['SUBMISSION_PORT']),
                      timeout=30) as smtp:
        smtp.starttls(context=context)
        smtp.login(from_address, session.password(sender))
        smtp.send_message(message, from_address, recipients)
    log(f'{sender} sent the request "{title}" ({sh.ical_time(start)} – {sh.ical_time(end)})')


def start_manager(run):
    """The manager, its join links on PUBLIC_URL (the tests reach its gateway on loopback all the
    same: Manager.gateway() uses its own public_url), dave accredited too."""
    manager = sh.Manager(run.session, join_early='0s', users=('alice', 'bob', 'carol', 'dave'))
    with open(manager.config) as config:
        text = config.read()
    text, count = re.subn(r'(?m)^public-url = .*$', f'public-url = {PUBLIC_URL}', text)
    check(count == 1, 'the manager\'s config has no public-url line')
    with open(manager.config, 'w') as config:
        config.write(text)
    run.manager = manager
    manager.start()
    return manager


# ---- X windows by their title ---------------------------------------------------------

def x_window(title):
    """(window, width, height) of the mapped top-level X window titled TITLE (any title: the
    harness reads _NET_WM_NAME)."""
    xlib, display = harness._x()
    window = harness.find_x_window(title)
    attributes = harness.XWindowAttributes()
    xlib.XGetWindowAttributes(display, window, ctypes.byref(attributes))
    return window, attributes.width, attributes.height


def resize(title, width, height):
    """As Ui.resize, for any title (no window manager runs: the request is granted as is)."""
    xlib, display = harness._x()
    window, _, _ = x_window(title)
    xlib.XResizeWindow(display, window, width, height)
    xlib.XSync(display, 0)
    wait_for(lambda: x_window(title)[1:] == (width, height), f'"{title}" to be {width}x{height}')
    time.sleep(0.5)  # GTK's relayout and redraw after the ConfigureNotify


def screenshot(session, name, title):
    """As Session.screenshot(NAME, window=TITLE), for any title: the window is the last mapped,
    above the others."""
    xlib, display = harness._x()
    window, w, h = x_window(title)
    x, y, child = ctypes.c_int(), ctypes.c_int(), ctypes.c_ulong()
    xlib.XTranslateCoordinates(display, window, xlib.XDefaultRootWindow(display), 0, 0,
                               ctypes.byref(x), ctypes.byref(y), ctypes.byref(child))
    width, height, rgb = harness.grab_screen(session.display)
    left, top = max(0, x.value), max(0, y.value)
    right, bottom = min(width, x.value + w), min(height, y.value + h)
    stride = width * 3
    rgb = b''.join(rgb[row * stride + left * 3:row * stride + right * 3]
                   for row in range(top, bottom))
    path = os.path.join(session.screenshot_dir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    harness.write_png(path, right - left, bottom - top, rgb)
    log(f'screenshot: {path}')
    return path


# ---- screenshots --------------------------------------------------------------------------

def png_pixels(path):
    """(width, height, distinct colours in a sample) of an 8-bit RGB PNG as the harness writes
    it (PNG specification: IHDR, IDAT chunks, filter type 0 per scanline)."""
    with open(path, 'rb') as png_file:
        data = png_file.read()
    check(data[:8] == b'\x89PNG\r\n\x1a\n', f'{path}: not a PNG')
    offset, width, height, idat = 8, 0, 0, b''
    while offset < len(data):
        length, kind = struct.unpack('>I4s', data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            check((depth, colour) == (8, 2), f'{path}: not 8-bit RGB')
        elif kind == b'IDAT':
            idat += body
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    check(len(raw) == stride * height, f'{path}: {len(raw)} bytes of pixels for {width}x{height}')
    colours = set()
    for y in range(0, height, max(1, height // 50)):
        row = raw[y * stride + 1:(y + 1) * stride]
        for x in range(0, width, max(1, width // 50)):
            colours.add(row[x * 3:x * 3 + 3])
    return width, height, len(colours)


def take(session, ui, language, window_name, root, shot):
    """Checks that ROOT shows SHOT's texts in LANGUAGE (and not their English), saves the window
    WINDOW_NAME as LANG/SHOT.png and checks the file."""
    wanted, (min_w, min_h, max_w, max_h) = SHOTS[shot]
    texts = ui.visible_texts(root)
    missing = [language.tr(msgid) for msgid in wanted if language.tr(msgid) not in texts]
    check(not missing, f'{shot} ({language.code}) does not show {missing}; it shows {texts}')
    if language.code != 'en':
        english = [msgid for msgid in wanted if msgid != language.tr(msgid) and msgid in texts]
        check(not english, f'{shot} ({language.code}) still shows in English: {english}')
    path = screenshot(session, os.path.join(language.code, shot + '.png'), window_name)
    width, height, colours = png_pixels(path)
    check(min_w <= width <= max_w and min_h <= height <= max_h,
          f'{path}: {width}x{height}, expected {min_w}–{max_w} x {min_h}–{max_h}')
    check(colours >= 8, f'{path}: {colours} colours: a blank window')
    log(f'{shot} ({language.code}): {width}x{height}, {colours} colours in the sample')
    return path


def update_metainfo_screenshots(session, folder):
    """CNV_UPDATE_SCREENSHOTS=FOLDER: the metainfo's screenshots copied into FOLDER, and their
    sizes written into the metainfo of FOLDER/../app."""
    metainfo = os.path.join(folder, os.pardir, 'app', 'io.github.convene.Convene.metainfo.xml.in')
    with open(metainfo, encoding='utf-8') as metainfo_file:
        text = metainfo_file.read()
    for name, code, shot in METAINFO_SHOTS:
        source = os.path.join(session.screenshot_dir, code, shot + '.png')
        target = os.path.join(folder, name)
        shutil.copyfile(source, target)
        width, height, _ = png_pixels(target)
        text, count = re.subn(r'(<image [^>]*?)width="\d+" height="\d+"([^>]*>[^<]*/'
                              + re.escape(name) + '</image>)',
                              rf'\g<1>width="{width}" height="{height}"\g<2>', text)
        log(f'{target}: {width}x{height}' + ('' if count else ' (not in the metainfo)'))
    with open(metainfo, 'w', encoding='utf-8') as metainfo_file:
        metainfo_file.write(text)


# ---- the test -----------------------------------------------------------------------------

def countdown_minutes(language, texts):
    """The minutes of the first "Starts in [H h ]M min" (in LANGUAGE) among TEXTS, or None."""
    prefix = re.escape(language.tr('Starts in %d min').split('%d')[0])
    for text in texts:
        match = re.search(prefix + r'(?:(\d+) h )?(\d+) min', text)
        if match:
            return int(match.group(1) or 0) * 60 + int(match.group(2))
    return None


def session_types(user, names):
    domain = user.session.stack['DOMAIN']
    command = user.command_template()
    return [(names[0], f'videoconference@{domain}', 'camera-web-symbolic', '', command),
            (names[1], f'whiteboard@{domain}', 'document-edit-symbolic', '', command)]


def find_window(ui, prefix):
    """The app's window whose name starts with PREFIX (a question's title ends with a space
    and a question mark in French: not worth spelling out)."""
    def find():
        for window in ui.windows():
            if window.name.startswith(prefix):
                return window
        return None
    return wait_for(find, f'a window "{prefix}…"')


def view_switcher_button(ui, window, title):
    """The button of the preferences page TITLE in WINDOW's view switcher (an
    AdwViewSwitcherButton: a toggle button, a tab for some versions of libadwaita)."""
    pyatspi = ui.pyatspi
    roles = (pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_PAGE_TAB,
             pyatspi.ROLE_RADIO_BUTTON)

    def find():
        for node in ui.find_all(window, roles=roles):
            if node.name == title or title in ui.visible_texts(node):
                return node
        return None
    try:
        return wait_for(find, f'the page button "{title}"', timeout=10)
    except harness.Failure:
        named = [f'{node.getRoleName()} under {ui.name_of(node.parent)} '
                 f'({node.parent.getRoleName()})'
                 for node in ui.find_all(window, title, showing=False)]
        raise harness.Failure(f'no page button "{title}"; accessibles named so: {named}') \
            from None


def screens(run, code, catalogue, locale_env):
    session = run.session
    language = Language(code, catalogue)
    content = CONTENT[code]
    names = content['names']
    tr = language.tr
    zone = zoneinfo.ZoneInfo(sh.APP_ZONE)
    os.makedirs(os.path.join(session.screenshot_dir, code), exist_ok=True)

    user = run.user(content['user'])
    from gi.repository import GLib
    # The notifications' defaults (no session here reaches its start or its end).
    user.configure(remind_before=5, warn_before_end=5, close_grace=10, extra={
        'account-name': GLib.Variant('s', names[user.name]),
        'session-types': GLib.Variant('a(sssss)', session_types(user, content['types'])),
    })
    user.start_service()
    others = [name for name in ('alice', 'dave') if name != user.name]

    # The sessions: one joined in the prompt, one tomorrow morning, one going on, one cancelled.
    now = time.time()
    start = int(now) + 20 * 60
    start -= start % 60   # whole minutes: the screens read better
    end = start + 45 * 60
    tomorrow = datetime.datetime.now(zone).date() + datetime.timedelta(days=1)
    morning = int(datetime.datetime.combine(tomorrow, datetime.time(10, 0), zone).timestamp())
    afternoon = int(datetime.datetime.combine(tomorrow, datetime.time(15, 0), zone).timestamp())
    began = int(now) - 5 * 60
    began -= began % 60
    send_request(session, names, 'alice', [user.name, 'dave'], content['joined'], start, end)
    send_request(session, names, 'dave', [user.name, 'alice'], content['upcoming'], morning,
                 morning + 3600)
    send_request(session, names, 'alice', [user.name, 'dave'], content['active'], began,
                 began + 30 * 60)
    send_request(session, names, 'alice', [user.name], content['cancelled'], afternoon,
                 afternoon + 3600)
    invitations = {key: sh.wait_invitation(session, user.name, content[key])
                   for key in ('joined', 'upcoming', 'active', 'cancelled')}
    for key, invitation in invitations.items():
        user.wait_record(invitation.session_id, lambda r: True, f'the invitation "{key}"')
        check(invitation.link.startswith(PUBLIC_URL + '/'),
              f'the link of "{content[key]}" is not on {PUBLIC_URL}')
    run.manager.cancel(invitations['cancelled'].session_id)
    user.wait_record(invitations['cancelled'].session_id,
                     lambda r: r['status'] == 'cancelled', 'cancelled by the manager')

    # The join prompt.
    invitation = invitations['joined']
    title = content['joined']
    session_id = invitation.session_id
    start_ui(user, locale_env, '--session', session_id)
    ui = harness.Ui(session)
    prompt = ui.window(title)
    join = ui.button(prompt, tr('Join'))
    ui.button(prompt, tr('Not Now'))
    texts = ui.visible_texts(prompt)
    log(f'the prompt shows: {texts}')
    check(any(names['alice'] in text for text in texts), 'the prompt does not show the organizer')
    check(any(sh.APP_ZONE in text for text in texts), f'the prompt does not name {sh.APP_ZONE}')
    check(any(PUBLIC_URL in text for text in texts), 'the prompt does not show the link')
    before = countdown_minutes(language, texts)
    check(before is not None and 17 <= before <= 20, f'countdown {before} min, not ~19')
    take(session, ui, language, title, prompt, 'join-prompt')

    # Join: the service records it; the prompt says so and counts down.
    ui.press(join)
    user.wait_record(session_id, lambda r: r['status'] == 'accepted',
                     'accepted after the prompt\'s Join')
    ui.wait_for_text(title, tr('Joined — Convene will open the session at %s').split('%s')[0])
    screenshot(session, os.path.join(code, 'countdown.png'), title)

    # Rescheduled 30 min later by the manager's address: the countdown moves.
    sequence = int(invitation.properties['SEQUENCE'])
    update = sh.edit_invitation(invitation.raw, calendar={
        'SEQUENCE': f'SEQUENCE:{sequence + 1}',
        'DTSTART': f'DTSTART:{sh.ical_time(start + 1800)}',
        'DTEND': f'DTEND:{sh.ical_time(end + 1800)}',
    }, headers={'Message-ID': f'<update-{uuid.uuid4().hex}@{session.stack["DOMAIN"]}>'})
    sh.append(session, user.name, update)
    user.wait_record(session_id, lambda r: r['starts_at'] == start + 1800, 'the start moved')

    def moved():
        window = ui.window(title)
        minutes = countdown_minutes(language, ui.visible_texts(window))
        return minutes is not None and minutes >= before + 28 and minutes
    after = wait_for(moved, 'the countdown to move 30 min later', timeout=30)
    log(f'countdown: {before} min, then {after} min after the reschedule')
    screenshot(session, os.path.join(code, 'countdown-moved.png'), title)

    # The main window: the session going on, the two to come (the one not joined yet with its
    # Join button), the cancelled one.
    start_ui(user, locale_env)
    main = ui.window('Convene')
    resize('Convene', 720, 640)
    for key in ('joined', 'upcoming', 'active', 'cancelled'):
        ui.wait_for_text(main, content[key])
    ui.wait_for_text(main, tr('Cancelled · %s').split('%s')[0])
    ui.wait_for_text(main, tr('Joined · %s').split('%s')[0])
    take(session, ui, language, 'Convene', main, 'main-window')

    # The composer, filled in, not sent.
    composer_name = tr('New Session')
    ui.press(ui.button(main, composer_name))
    composer = ui.window(composer_name)
    resize(composer_name, 600, 1010)
    ui.choose(composer, tr('Session Type'), content['types'][0])
    for other in others:
        harness.type_address(ui, composer, tr('Participants'),
                             f'{names[other]} <{session.address(other)}>')
        ui.button(composer, tr('Remove %s', 'address chip') % session.address(other))
    draft = content['draft']
    ui.set_text(ui.entry(composer, tr('Title')), draft['title'])
    ui.set_text(ui.entry(composer, tr('Message')), draft['message'])
    schedule = ui.find(composer, tr('Schedule'), (ui.pyatspi.ROLE_CHECK_BOX,),
                       'the "Schedule" switch')
    if not ui.checked(schedule):
        ui.press(schedule)
    wait_for(lambda: ui.checked(schedule), 'the "Schedule" switch to be on')
    ui.set_text(ui.entry(composer, tr('Start Date')), tomorrow.isoformat())
    ui.set_text(ui.entry(composer, tr('Start Time')), '14:00')
    ui.choose(composer, tr('Duration'), tr('2 hours'))
    ui.choose(composer, tr('Duration'), tr('1 hour'))
    wait_for(lambda: ui.sensitive(ui.button(composer, language.without_mnemonic('_Send'))),
             'the composer\'s Send to be enabled')
    # The click on the row left the pointer there; a click on the title moves the keyboard
    # focus out of the combo row, so that no focus ring shows.
    ui.click(ui.entry(composer, tr('Title')))
    take(session, ui, language, composer_name, composer, 'composer')
    ui.press(ui.button(composer, tr('Cancel')))
    question = find_window(ui, tr('Discard this request?').rstrip('?').strip())
    ui.press(ui.button(question, language.without_mnemonic('_Discard')))
    ui.window_gone(composer_name)

    # The preferences, with the servers of a provider (the service's part is done: from here it
    # can no longer log in, which nothing below needs).
    domain = session.stack['DOMAIN']
    user.write_settings({
        'imap-host': GLib.Variant('s', f'imap.{domain}'),
        'imap-port': GLib.Variant('q', 993),
        'smtp-host': GLib.Variant('s', f'smtp.{domain}'),
        'smtp-port': GLib.Variant('q', 587),
        'ca-file': GLib.Variant('s', ''),
    })
    password = session.password(user.name)
    user.store_password('imap', f'imap.{domain}', user.address, password)
    user.store_password('smtp', f'smtp.{domain}', user.address, password)
    start_ui(user, locale_env, '--preferences')
    preferences_name = tr('Preferences')
    preferences = ui.window(preferences_name)
    resize(preferences_name, 640, 1010)
    imap_host = ui.entry(preferences, tr('IMAP Server'))
    wait_for(lambda: ui.text_of(imap_host) == f'imap.{domain}',
             f'the account page to show imap.{domain}')
    take(session, ui, language, preferences_name, preferences, 'preferences-account')
    ui.press(view_switcher_button(ui, preferences, tr('Sessions')))
    ui.wait_for_text(preferences, tr('Run in Background'))
    resize(preferences_name, 640, 720)
    take(session, ui, language, preferences_name, preferences, 'preferences-sessions')

    quit_ui(user)
    return [i.token for i in invitations.values()]


def test(run):
    session = run.session
    po_file = os.path.join(session.args.source_dir, os.pardir, 'po', 'fr.po')
    catalogue = read_po(po_file)
    locale_dir = compile_catalogue(session, po_file)
    french_locale = compile_french_locale(session)
    start_manager(run)

    os.environ.pop('LANGUAGE', None)
    tokens = screens(run, 'en', None, {})

    # Every program of carol's (her service too: its notifications) speaks French.
    os.environ['LANGUAGE'] = 'fr'
    os.environ['CONVENE_LOCALEDIR'] = locale_dir
    locale_env = {}
    if french_locale is not None:
        locale_env = {'LOCPATH': french_locale, 'LANG': 'fr_FR.UTF-8', 'LC_ALL': 'fr_FR.UTF-8'}
    tokens += screens(run, 'fr', catalogue, locale_env)

    folder = os.environ.get('CNV_UPDATE_SCREENSHOTS')
    if folder:
        update_metainfo_screenshots(session, os.path.abspath(folder))
    run.check_logs(secrets=tokens)


sh.main(test)
