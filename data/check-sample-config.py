#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the sample configuration with the manager itself.

Usage: check-sample-config.py MANAGER SAMPLE

- As shipped, `convene-manager check-config` finds in the sample no mistake but the files an
  administrator has to make: the password files, the Jitsi secret and the database's directory
  (each reported as missing, with the command that makes it).
- Once those exist where the sample names them (moved into a temporary directory: /etc/convene
  and /var/lib/convene-manager are rewritten there; the files mode 600 as it asks), it says
  "FILE: OK" and exits 0: the sample is a configuration `convene-manager run` accepts.

TAP output.
"""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (data/tap.py)

_tap = tap.Tap()
ok = _tap.ok


def check_config(manager, path):
    # No systemd variables from the caller: the sample must name its database and password files.
    env = {k: v for k, v in os.environ.items()
           if k not in ('STATE_DIRECTORY', 'CREDENTIALS_DIRECTORY')}
    return subprocess.run([manager, 'check-config', '--config', path], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)


def main():
    manager, sample = sys.argv[1:3]
    with open(sample, encoding='utf-8') as f:
        text = f.read()

    # The files it names, outside comments.
    files = sorted(set(m.group(2) for m in re.finditer(
        r'^(password-file|jitsi-secret-file) = (\S+)$', text, re.MULTILINE)))
    database = re.search(r'^database = (\S+)$', text, re.MULTILINE)
    ok(files != [] and database is not None,
       'the sample names its password files, its Jitsi secret and its database',
       f'files: {files}, database: {database}')

    with tempfile.TemporaryDirectory(prefix='check-sample-') as work:
        copy = os.path.join(work, 'manager.conf')
        with open(copy, 'w', encoding='utf-8') as f:
            f.write(text)
        result = check_config(manager, copy)
        problems = [line for line in result.stdout.splitlines()
                    if line.startswith(copy + ':') and not line.endswith(' problems')
                    and not line.endswith(' problem')]
        expected = re.compile(r'(password-file|jitsi-secret-file|database): .*'
                              r'(does not exist|cannot open .*No such file or directory)')
        unexpected = [line for line in problems if not expected.search(line)]
        ok(result.returncode == 1 and problems != [] and unexpected == [],
           'as shipped, check-config reports only the files to make',
           f'exit status {result.returncode}\n{result.stdout}')

        etc = os.path.join(work, 'etc', 'convene')
        state = os.path.join(work, 'state')
        os.makedirs(etc)
        os.makedirs(state, mode=0o700)
        moved = text.replace('/etc/convene/', etc + '/').replace(
            '/var/lib/convene-manager/', state + '/')
        with open(copy, 'w', encoding='utf-8') as f:
            f.write(moved)
        for path in files:
            local = path.replace('/etc/convene/', etc + '/')
            fd = os.open(local, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, b'not-a-real-secret\n')
            os.close(fd)
        result = check_config(manager, copy)
        ok(result.returncode == 0 and result.stdout.strip().endswith(': OK'),
           'with those files in place, check-config says OK',
           f'exit status {result.returncode}\n{result.stdout}')

    return _tap.plan()


if __name__ == '__main__':
    sys.exit(main())
