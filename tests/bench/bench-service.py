#!/usr/bin/env python3
# bench-service.py — the background service's idle cost (issue 6): what `convene-service` costs a
# participant's machine while it waits for invitations, for months.
#
#  (a) Idle memory: bob's service (a desktop session of its own, as tests/service/ set it up: HOME
#      and XDG dirs, session bus, gnome-keyring holding the IMAP password, GSettings keyfile
#      backend, a recording notification daemon) after it has taken 1 000 invitations from its
#      INBOX: the real mail stack, one real invitation of the real manager (alice's request), and
#      1 000 copies of it with session ids of their own APPENDed to bob's INBOX. Once the store
#      holds the 1 000 sessions and the watcher's position is past the last mail, and the service
#      has been quiet for --settle seconds: its RSS (/proc/PID/status) and PSS
#      (/proc/PID/smaps_rollup). The peer: evolution-data-server's `evolution-alarm-notify` (the
#      desktop's own background reminder process) started the same way in the same session, on
#      the harness's Xvfb display, measured after the same quiet time. Targets: service <= 20 MB,
#      service / peer <= 0.2.
#  (b) Wake-ups while idle: over --idle-seconds (60) nothing talks to the service; the context
#      switches of each of its threads (voluntary + non-voluntary, /proc/PID/task/*/status) are
#      counted, and with perf (when it can count the process) the same through perf stat. Target:
#      none between the watcher's IDLE keep-alives (it re-issues IDLE every 25 min).
#
# It prints figures and is not a test: it fails only when the setup fails (no stack, the service
# does not take the invitations, a link or a password in the service's log).
#
#   python3 tests/bench/bench-service.py --service _build/src/app/service/convene-service \
#     --app _build/src/app/convene --manager _build/src/manager/convene-manager \
#     --mailstack tests/mailstack/mailstack.sh --schema-dir _build/data --source-dir tests \
#     --screenshots /tmp [--count 1000] [--idle-seconds 60] [--settle 10] [--no-peer]
#
# Built on tests/service/service_harness.py and tests/ui/harness.py (imported): the whole run is
# under dbus-run-session with a temporary HOME/XDG, Xvfb, and needs root for the mail stack.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import glob
import os
import shutil
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'service'))
import service_harness as sh  # noqa: E402
from service_harness import check, log, wait_for  # noqa: E402
import harness  # noqa: E402  (tests/ui, put on the path by service_harness)

PEER = '/usr/libexec/evolution-data-server/evolution-alarm-notify'
TARGET_MB = 20
TARGET_RATIO = 0.2


def parse_args():
    parser = sh.argument_parser(screenshots_required=False)
    parser.add_argument('--count', type=int, default=1000, help='invitations to take (1000)')
    parser.add_argument('--idle-seconds', type=float, default=60.0,
                        help='how long the wake-ups are counted (60)')
    parser.add_argument('--settle', type=float, default=10.0,
                        help='quiet seconds before memory is read (10)')
    parser.add_argument('--no-peer', action='store_true', help='skip evolution-alarm-notify')
    parser.add_argument('--no-perf', action='store_true', help='count with /proc only')
    parser.add_argument('--breakdown', action='store_true',
                        help='print where the service\'s memory is (/proc/PID/smaps)')
    args = parser.parse_args()
    # The programs run in other working directories.
    for name in ('app', 'service', 'manager', 'mailstack', 'schema_dir', 'source_dir'):
        setattr(args, name, os.path.abspath(getattr(args, name)))
    return args


harness.parse_args = parse_args


def figure(line):
    """A result line (not a '#' log line): what tests/run-all.sh shows."""
    print(line, flush=True)


# ---- /proc -------------------------------------------------------------------------------------

def memory_of(pid):
    """kB: VmRSS, RssAnon, RssFile (/proc/PID/status) and Pss, Pss_Anon (smaps_rollup)."""
    found = {}
    with open(f'/proc/{pid}/status') as status:
        for line in status:
            name, _, value = line.partition(':')
            if name in ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'Threads'):
                found[name] = int(value.split()[0])
    with open(f'/proc/{pid}/smaps_rollup') as rollup:
        for line in rollup:
            name, _, value = line.partition(':')
            if name in ('Pss', 'Pss_Anon', 'Pss_File', 'Private_Dirty'):
                found[name] = int(value.split()[0])
    return found


def switches_of(pid, nonvoluntary=False):
    """tid -> (comm, voluntary + non-voluntary context switches) of every thread of PID (only the
    non-voluntary ones with NONVOLUNTARY: a preempted thread, not one that woke)."""
    found = {}
    kinds = ('nonvoluntary_ctxt_switches',) if nonvoluntary else (
        'voluntary_ctxt_switches', 'nonvoluntary_ctxt_switches')
    for task in glob.glob(f'/proc/{pid}/task/*'):
        try:
            with open(os.path.join(task, 'comm')) as comm_file:
                comm = comm_file.read().strip()
            count = 0
            with open(os.path.join(task, 'status')) as status:
                for line in status:
                    if line.startswith(kinds):
                        count += int(line.split(':')[1])
            found[int(os.path.basename(task))] = (comm, count)
        except (FileNotFoundError, ProcessLookupError):
            continue    # a thread that ended meanwhile
    return found


def total_switches(pid):
    return sum(count for _, count in switches_of(pid).values())


def wait_quiet(pid, what, quiet=3.0, timeout=300):
    """Until PID's threads have not run for QUIET seconds (no context switch)."""
    deadline = time.monotonic() + timeout
    last = total_switches(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = total_switches(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise sh.Failure(f'{what} never became quiet')


def show_breakdown(pid, top=14):
    """The mappings of PID with the most RSS, grouped by file ([anon] for the rest)."""
    groups = {}
    name = None
    with open(f'/proc/{pid}/smaps') as smaps:
        for line in smaps:
            fields = line.split()
            if '-' in fields[0] and ':' not in fields[0]:
                name = fields[5] if len(fields) > 5 else '[anon]'
            elif fields[0] in ('Rss:', 'Pss:', 'Anonymous:'):
                group = groups.setdefault(name, {'Rss:': 0, 'Pss:': 0, 'Anonymous:': 0})
                group[fields[0]] += int(fields[1])
    figure(f'  where (top {top} by RSS, kB): mapping RSS / PSS / anonymous')
    for name, group in sorted(groups.items(), key=lambda item: -item[1]['Rss:'])[:top]:
        figure(f'    {os.path.basename(name) or name}: {group["Rss:"]} / {group["Pss:"]} / '
               f'{group["Anonymous:"]}')


def show_memory(name, values):
    mb = values['VmRSS'] / 1024
    figure(f'{name}: RSS {mb:.1f} MB (anon {values["RssAnon"] / 1024:.1f}, file '
           f'{values["RssFile"] / 1024:.1f}), PSS {values["Pss"] / 1024:.1f} MB (anon '
           f'{values.get("Pss_Anon", 0) / 1024:.1f}), private dirty '
           f'{values["Private_Dirty"] / 1024:.1f} MB, {values["Threads"]} threads')


# ---- the wake-ups ------------------------------------------------------------------------------

def perf_usable():
    if shutil.which('perf') is None:
        return False
    result = subprocess.run(['perf', 'stat', '-e', 'context-switches', '--', 'true'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return result.returncode == 0


def count_wakeups(pid, seconds, use_perf):
    """Context switches per thread of PID over SECONDS, from /proc and, when it works, perf."""
    perf = None
    if use_perf and perf_usable():
        perf = subprocess.Popen(['perf', 'stat', '-e', 'context-switches', '--per-thread', '-x',
                                 ',', '-p', str(pid), '--', 'sleep', str(seconds)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    before = switches_of(pid)
    before_preempted = switches_of(pid, nonvoluntary=True)
    time.sleep(seconds)
    after = switches_of(pid)
    after_preempted = switches_of(pid, nonvoluntary=True)
    per_thread = {}
    for tid, (comm, count) in after.items():
        preempted = after_preempted.get(tid, (comm, 0))[1] - before_preempted.get(tid, (comm, 0))[1]
        per_thread[tid] = (comm, count - before.get(tid, (comm, 0))[1], preempted)
    perf_counts = None
    if perf is not None:
        _, err = perf.communicate(timeout=seconds + 30)
        perf_counts = {}
        for line in err.decode(errors='replace').splitlines():
            parts = line.split(',')
            # comm-tid,count,unit,event,…
            if len(parts) >= 4 and parts[3].startswith('context-switches'):
                # "<not counted>": the thread never ran while perf watched it.
                perf_counts[parts[0]] = int(parts[1]) if parts[1].isdigit() else 0
    return per_thread, perf_counts


def imap_received(pid, port):
    """(segments, bytes) PID's TCP connections to PORT have received (ss -ti), or None. Counted
    on the socket, not from the service's log: the engine's IMAP wire trace prints the fetched
    mail (invitations hold the link), so the service runs without it."""
    if shutil.which('ss') is None:
        return None
    result = subprocess.run(['ss', '-tinpH', 'state', 'established', f'( dport = :{port} )'],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    segments = received = 0
    found = False
    # One socket is two lines: the addresses with users:(("comm",pid=N,…)), then its tcp_info.
    lines = result.stdout.decode(errors='replace').splitlines()
    for first, info in zip(lines[0::2], lines[1::2]):
        if f'pid={pid},' not in first:
            continue
        found = True
        for field in info.split():
            name, _, value = field.partition(':')
            if name == 'segs_in' and value.isdigit():
                segments += int(value)
            elif name == 'bytes_received' and value.isdigit():
                received += int(value)
    return (segments, received) if found else None


def show_wakeups(name, pid, seconds, use_perf, imap_port=None):
    before = imap_received(pid, imap_port) if imap_port is not None else None
    per_thread, perf_counts = count_wakeups(pid, seconds, use_perf)
    total = sum(count for _, count, _ in per_thread.values())
    per_minute = 60.0 / seconds
    figure(f'{name}: {total * per_minute:.1f} wake-ups/min over {seconds:g} s '
           f'(context switches, /proc/PID/task/*/status; target 0 between IDLE keep-alives)')
    for tid, (comm, count, preempted) in sorted(per_thread.items()):
        figure(f'  thread {tid} {comm!r}: {count * per_minute:.1f}/min ({count} in {seconds:g} s, '
               f'{preempted} of them non-voluntary)')
    if perf_counts is not None:
        shown = ', '.join(f'{thread}: {count}' for thread, count in sorted(perf_counts.items()))
        figure(f'  perf stat context-switches per thread: {shown or "(no figures)"}')
    after = imap_received(pid, imap_port) if before is not None else None
    if after is not None:
        figure(f'  meanwhile its IMAP connection received {after[0] - before[0]} TCP segments '
               f'({after[1] - before[1]} bytes): the server\'s untagged "* OK Still here" during '
               f'IDLE (Dovecot\'s imap_idle_notify_interval, 2 min) wakes the main thread')
    return total


# ---- the run -----------------------------------------------------------------------------------

def store_count(user):
    return len(user.store_rows())


def stored_position(user):
    import sqlite3
    if not os.path.exists(user.store_path):
        return None
    database = sqlite3.connect(f'file:{user.store_path}?mode=ro', uri=True, timeout=5)
    try:
        rows = database.execute('SELECT uidvalidity, last_uid FROM positions').fetchall()
    except sqlite3.OperationalError:
        return None
    finally:
        database.close()
    return rows[0] if rows else None


def inbox_last_uid(session, user):
    client = session.imap(user)
    try:
        client.select('INBOX', readonly=True)
        _, data = client.uid('SEARCH', None, 'ALL')
        uids = [int(uid) for uid in data[0].split()]
        return max(uids) if uids else 0
    finally:
        client.logout()


def start_peer(run, user):
    """evolution-alarm-notify in bob's session, as the service runs: same bus, XDG dirs,
    GSettings backend and notification backend; on the harness's X display. Without the
    accessibility bridge (NO_AT_BRIDGE=1): the peer's figure is then its smallest, so the ratio
    is not flattered."""
    env = user.service_env()
    env.pop('G_MESSAGES_DEBUG', None)
    env.pop('AT_SPI_BUS_ADDRESS', None)
    env['NO_AT_BRIDGE'] = '1'
    env['DISPLAY'] = run.session.display
    process = run.session.spawn('peer-bob', [PEER], env=env, cwd=user.root)
    log(f'started {PEER} (pid {process.pid})')
    return process


def bench(run):
    session = run.session
    args = session.args
    manager = run.start_manager(join_early='0s')
    bob = run.user('bob')
    bob.configure()

    # One real invitation, before the service runs: the service starts at the INBOX's end, so
    # this one is not taken; its copies are.
    title = f'Bench {uuid.uuid4().hex[:8]}'
    start = int(time.time()) + 30 * 86400
    sh.send_request(session, 'alice', ['bob'], title, start, start + 3600)
    real = sh.wait_invitation(session, 'bob', title)
    manager.process.terminate()
    manager.process.wait(timeout=30)

    service = bob.start_service()
    wait_for(lambda: stored_position(bob) is not None or 'idle-watching' in bob.service_log(True),
             'the service to watch INBOX', timeout=120)
    wait_quiet(service.pid, 'the service after its start')
    start_memory = memory_of(service.pid)
    show_memory('convene-service watching, before any invitation', start_memory)

    ids = []
    links = []
    client = session.imap('bob')
    began = time.monotonic()
    try:
        for index in range(args.count):
            session_id = f'b{index:05d}{uuid.uuid4().hex[:10]}'
            raw = sh.edit_invitation(real.raw, session_id=session_id)
            ids.append(session_id)
            if index % 100 == 0:
                links.append(sh.Invitation(raw).link)
            status, data = client.append(harness.imaplib_quote('INBOX'), None, None, raw)
            check(status == 'OK', f'APPEND: {status} {data}')
    finally:
        client.logout()
    log(f'appended {args.count} invitations in {time.monotonic() - began:.1f} s')
    last_uid = inbox_last_uid(session, 'bob')

    def taken():
        check(bob.service_running(), 'the service exited:\n' + bob.service_log())
        position = stored_position(bob)
        return store_count(bob) >= args.count and position is not None and position[1] >= last_uid
    wait_for(taken, f'the store to hold {args.count} sessions', timeout=max(120, args.count))
    intake_seconds = time.monotonic() - began
    rows = bob.store_rows()
    missing = [session_id for session_id in ids if session_id not in rows]
    check(not missing, f'{len(missing)} invitations were not stored, e.g. {missing[:3]}')
    figure(f'convene-service took {len(rows)} invitations in {intake_seconds:.1f} s '
           f'(APPEND to stored)')
    wait_quiet(service.pid, 'the service after the invitations')
    time.sleep(args.settle)
    service_memory = memory_of(service.pid)
    show_memory(f'convene-service idle after {len(rows)} invitations', service_memory)
    if args.breakdown:
        show_breakdown(service.pid)
    show_wakeups('convene-service idle', service.pid, args.idle_seconds,
                 not args.no_perf,
                 int(session.stack['IMAPS_PORT']))

    peer_memory = None
    if args.no_peer:
        log('peer skipped (--no-peer)')
    elif not os.access(PEER, os.X_OK):
        log(f'peer skipped: {PEER} is not installed (package evolution-data-server)')
    else:
        peer = start_peer(run, bob)
        time.sleep(2)
        check(peer.poll() is None, 'evolution-alarm-notify exited:\n'
              + session.log_of('peer-bob'))
        wait_quiet(peer.pid, 'evolution-alarm-notify', timeout=120)
        time.sleep(args.settle)
        check(peer.poll() is None, 'evolution-alarm-notify exited:\n'
              + session.log_of('peer-bob'))
        peer_memory = memory_of(peer.pid)
        show_memory('evolution-alarm-notify idle (peer)', peer_memory)
        show_wakeups('evolution-alarm-notify idle (peer)', peer.pid, args.idle_seconds,
                     not args.no_perf)

    rss_mb = service_memory['VmRSS'] / 1024
    pss_mb = service_memory['Pss'] / 1024
    verdict = 'met' if rss_mb <= TARGET_MB else 'NOT met'
    figure(f'convene-service RSS {rss_mb:.1f} MB, PSS {pss_mb:.1f} MB: target <= {TARGET_MB} MB '
           f'{verdict}')
    if peer_memory is not None:
        rss_ratio = service_memory['VmRSS'] / peer_memory['VmRSS']
        pss_ratio = service_memory['Pss'] / peer_memory['Pss']
        verdict = 'met' if rss_ratio <= TARGET_RATIO else 'NOT met'
        figure(f'ratio to evolution-alarm-notify: RSS {rss_ratio:.2f}, PSS {pss_ratio:.2f}: '
               f'target <= {TARGET_RATIO} {verdict}')

    # The service's debug log (G_MESSAGES_DEBUG=all) holds no link nor token: checked by the
    # harness for the password, here for the links of every 100th invitation.
    run.check_logs(secrets=links + [link.split('?', 1)[1] for link in links if '?' in link])


if __name__ == '__main__':
    sh.main(bench)
