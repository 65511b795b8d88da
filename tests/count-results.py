#!/usr/bin/env python3
"""Counts the test cases in meson's testlog.json files and prints 'N passed, N failed'.

A g_test program speaks TAP: each of its 'ok' / 'not ok' lines is one case. A program that
printed no TAP line counts as one case, by its meson result. Exit status 1 when any case failed
or a log is missing.
"""
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(.*)$')


def count(path):
    passed = failed = skipped = 0
    try:
        lines = open(path, encoding='utf-8', errors='replace').read().splitlines()
    except OSError as e:
        print(f'count-results: {path}: {e}', file=sys.stderr)
        return 0, 1, 0
    for line in lines:
        if not line.strip():
            continue
        entry = json.loads(line)
        result = entry.get('result', 'FAIL')
        cases = [TAP.match(l) for l in (entry.get('stdout') or '').splitlines()]
        cases = [m for m in cases if m]
        if cases:
            for m in cases:
                if m.group(1) == 'not ok' and '# TODO' not in m.group(2):
                    failed += 1
                elif '# SKIP' in m.group(2).upper():
                    skipped += 1
                else:
                    passed += 1
            # A program that crashed after its last 'ok' still failed.
            if result not in ('OK', 'EXPECTEDFAIL', 'SKIP') and not any(m.group(1) == 'not ok' for m in cases):
                failed += 1
        elif result == 'SKIP':
            skipped += 1
        elif result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def main(paths):
    total = [0, 0, 0]
    for path in paths:
        p, f, s = count(path)
        print(f'{path}: {p} passed, {f} failed, {s} skipped')
        total = [a + b for a, b in zip(total, (p, f, s))]
    if not paths:
        total[1] += 1
    line = f'{total[0]} passed, {total[1]} failed'
    if total[2]:
        line += f', {total[2]} skipped'
    print(line)
    return 1 if total[1] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
