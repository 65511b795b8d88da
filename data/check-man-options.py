#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that a man page documents the options its programs have, and no others.

Usage: check-man-options.py MAN_PAGE PROGRAM[:SUBCOMMAND[,SUBCOMMAND...]]...

Each PROGRAM runs with --help-all (GOption) or, when SUBCOMMANDs are given, with --help (its own
usage text), and each SUBCOMMAND ("user add") with --help. Every option they print must be named
in the page's SYNOPSIS or OPTIONS sections, and every option those sections name must be one of
them: a page that falls behind the code, or documents an option that was renamed, fails.
GOption's --help-all and --help-* groups are left out, as pages do.

TAP output.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (data/tap.py)

# GOption's help options, which no page lists.
GOPTION_HELP = re.compile(r'^help-')

_tap = tap.Tap()
ok = _tap.ok


def help_options(argv):
    # No display is needed for --help, and none is used: GApplication parses before it starts.
    env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'WAYLAND_DISPLAY')}
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, check=False)
    if result.returncode != 0:
        raise RuntimeError(f'{" ".join(argv)} exited with {result.returncode}:\n{result.stdout}')
    found = set()
    for line in result.stdout.splitlines():
        match = re.match(r'^\s+(?:-\w, )?--([a-z][a-z0-9-]*)', line)
        if match and not GOPTION_HELP.match(match.group(1)):
            found.add(match.group(1))
    return found


def page_options(path):
    """The long options named in the SYNOPSIS and OPTIONS sections (with their subsections),
    examples (.nf … .fi, such as a gdbus command line) left out."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    found = set()
    section = None
    example = False
    for line in text.splitlines():
        if line.startswith('.nf') or line.startswith('.fi'):
            example = line.startswith('.nf')
            continue
        match = re.match(r'^\.SH\s+"?([A-Z ]+)"?', line)
        if match:
            section = match.group(1).strip()
            continue
        if section in ('SYNOPSIS', 'OPTIONS') and not example:
            found.update(re.findall(r'\\-\\-([a-z][a-z0-9\\-]*)', line))
    return {name.replace('\\-', '-') for name in found}


def main():
    page = sys.argv[1]
    documented = page_options(page)
    name = os.path.basename(page)
    ok(documented != set(), f'{name}: the SYNOPSIS and OPTIONS sections name options')

    actual = set()
    for spec in sys.argv[2:]:
        program, _, subcommands = spec.partition(':')
        # A program with subcommands has a usage text of its own (exit status 0) for --help.
        runs = [[program, '--help' if subcommands else '--help-all']]
        runs += [[program] + sub.split() + ['--help'] for sub in subcommands.split(',') if sub]
        for argv in runs:
            shown = ' '.join([os.path.basename(argv[0])] + argv[1:])
            try:
                options = help_options(argv)
            except RuntimeError as e:
                ok(False, f'{shown} prints its options', str(e))
                continue
            missing = sorted(options - documented)
            ok(not missing, f'{name} documents every option of {shown}',
               'not in the page: ' + ', '.join('--' + o for o in missing))
            actual |= options

    unknown = sorted(documented - actual)
    ok(not unknown, f'{name} documents no option the programs lack',
       'no program has: ' + ', '.join('--' + o for o in unknown))
    return _tap.plan()


if __name__ == '__main__':
    sys.exit(main())
