# tap.py — the TAP output shared by the data checks (data/check-*.py, po/check-po.py)
#
# SPDX-License-Identifier: GPL-3.0-or-later

import subprocess

SKIP = 77


class Tap:
    """Numbered "ok N - what" lines, the details of a failure as comments, the plan at the end."""

    def __init__(self):
        self.number = 0
        self.failures = 0

    def ok(self, condition, what, details=''):
        self.number += 1
        print(('ok' if condition else 'not ok') + f' {self.number} - {what}')
        if not condition:
            self.failures += 1
            if details:
                print('# ' + details.rstrip('\n').replace('\n', '\n# '))
        return condition

    def plan(self):
        """Prints the plan; the exit status: 1 when a check failed."""
        print(f'1..{self.number}')
        return 1 if self.failures else 0


def run(argv, **kwargs):
    """ARGV's completed process, its output as text, whatever its exit status."""
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          check=False, **kwargs)
