#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the manager's systemd files offline, with systemd's own tools.

Usage: check-systemd.py UNIT_IN MAN_PAGE MANAGER SYSUSERS TMPFILES

- The unit (its @bindir@ pointing at MANAGER, the built convene-manager) passes
  `systemd-analyze verify`: the executable exists, Documentation=man:convene-manager(1) resolves
  (MAN_PAGE on MANPATH), and no key is unknown or misspelt: verify only warns about those and
  exits 0, so any message is a failure.
- `systemd-analyze security --offline=true` rates its exposure at most MAX_EXPOSURE (systemd's
  scale, 0 to 10; "OK" below 2), so that a removed hardening line shows.
- It runs as the user that SYSUSERS declares, and its StateDirectory= is the directory that
  TMPFILES makes, owned by that user, mode 0700 (the database holds the participants' addresses
  and the hashes of their join credentials). `systemd-sysusers` and `systemd-tmpfiles --create`
  apply both to an empty --root, as a package installation would.

TAP output; exit 77 (skipped) where systemd-analyze is not installed. No running systemd is
needed (verify and security are offline), so it runs in containers too.
"""

import os
import re
import shutil
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (data/tap.py)

MAX_EXPOSURE = 2.0
SKIP = tap.SKIP

_tap = tap.Tap()
ok = _tap.ok

run = tap.run


def unit_values(text, key):
    return [m.group(1).strip() for m in re.finditer(rf'^{key}=(.*)$', text, re.MULTILINE)]


def main():
    unit_in, man_page, manager, sysusers, tmpfiles = (os.path.abspath(a) for a in sys.argv[1:6])

    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        print('1..0 # SKIP systemd-analyze is not installed')
        return SKIP

    with open(unit_in, encoding='utf-8') as f:
        template = f.read()

    with tempfile.TemporaryDirectory(prefix='check-systemd-') as work:
        unit = os.path.join(work, 'convene-manager.service')
        with open(unit, 'w', encoding='utf-8') as f:
            f.write(template.replace('@bindir@', os.path.dirname(os.path.abspath(manager))))
        man1 = os.path.join(work, 'man', 'man1')
        os.makedirs(man1)
        shutil.copy(man_page, man1)
        env = dict(os.environ, MANPATH=os.path.join(work, 'man'), SYSTEMD_LOG_COLOR='0')

        # The Documentation= check runs man(1); without man-db it cannot, and is left out.
        has_man = shutil.which('man') is not None
        result = run([analyze, 'verify', '--man=yes' if has_man else '--man=no', unit], env=env,
                     cwd=work)
        messages = (result.stdout + result.stderr).strip()
        ok(result.returncode == 0 and messages == '',
           'systemd-analyze verify accepts the unit, without a message'
           + ('' if has_man else ' (Documentation= not checked: no man command)'),
           f'exit status {result.returncode}\n{messages}')

        result = run([analyze, 'security', '--offline=true', '--no-pager', unit], env=env,
                     cwd=work)
        match = re.search(r'Overall exposure level for \S+: ([0-9.]+)', result.stdout)
        exposure = float(match.group(1)) if match else None
        ok(exposure is not None and exposure <= MAX_EXPOSURE,
           f'systemd-analyze security rates its exposure at most {MAX_EXPOSURE}',
           f'exposure {exposure}\n' + '\n'.join(line for line in result.stdout.splitlines()
                                                if line.startswith('✗')) + result.stderr)

        users = unit_values(template, 'User')
        states = unit_values(template, 'StateDirectory')
        ok(users == ['convene-manager'] and unit_values(template, 'DynamicUser') == [],
           'it runs as the system user convene-manager', f'User={users}')
        ok(states == ['convene-manager'], 'its state directory is /var/lib/convene-manager',
           f'StateDirectory={states}')

        sysusers_tool = shutil.which('systemd-sysusers')
        tmpfiles_tool = shutil.which('systemd-tmpfiles')
        if sysusers_tool is None or tmpfiles_tool is None:
            print('# systemd-sysusers or systemd-tmpfiles is missing: not applied')
        else:
            root = os.path.join(work, 'root')
            os.makedirs(os.path.join(root, 'etc'))
            result = run([sysusers_tool, f'--root={root}', sysusers])
            entry = None
            try:
                with open(os.path.join(root, 'etc', 'passwd'), encoding='utf-8') as f:
                    for line in f:
                        fields = line.rstrip('\n').split(':')
                        if fields[0] == 'convene-manager':
                            entry = fields
            except OSError as e:
                result.stderr += str(e)
            ok(result.returncode == 0 and entry is not None
               and entry[5] == '/var/lib/convene-manager' and entry[6].endswith('nologin'),
               'systemd-sysusers makes the system user convene-manager, without a login shell',
               f'{result.stderr}\npasswd entry: {entry}')

            if os.geteuid() != 0:
                print('# not root: systemd-tmpfiles cannot give the directory its owner; '
                      'not applied')
            else:
                result = run([tmpfiles_tool, f'--root={root}', '--create', tmpfiles])
                path = os.path.join(root, 'var', 'lib', 'convene-manager')
                details = result.stderr
                good = result.returncode == 0 and os.path.isdir(path)
                if good:
                    st = os.stat(path)
                    details += f'mode {stat.S_IMODE(st.st_mode):04o} uid {st.st_uid}'
                    good = (stat.S_IMODE(st.st_mode) == 0o700 and entry is not None
                            and st.st_uid == int(entry[2]))
                ok(good, 'systemd-tmpfiles makes /var/lib/convene-manager, mode 0700, owned by '
                   'convene-manager', details)

    return _tap.plan()


if __name__ == '__main__':
    sys.exit(main())
