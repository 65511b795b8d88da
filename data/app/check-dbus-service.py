#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the D-Bus service file of the background service against the desktop file.

Usage: check-dbus-service.py APP_ID SERVICE_FILE DESKTOP_FILE

With DBusActivatable=true, the shell and the notification servers (the gtk and portal
GNotification backends) start the app by asking the session bus for the name APP_ID, which the
bus finds in $XDG_DATA_DIRS/dbus-1/services/APP_ID.service (Desktop Entry Specification,
"D-Bus Activation"; D-Bus Specification, "Message Bus Starting Services"). The bus runs Exec
without a shell and without PATH, so it must be an absolute path; --gapplication-service makes
the GApplication a service that exits when it is no longer needed. A mismatch leaves the
notification buttons dead, which no other validator reports.
"""

import configparser
import os
import shlex
import sys

problems = []


def problem(text):
    problems.append(text)


def read_keyfile(path, group):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    try:
        with open(path, encoding='utf-8') as keyfile:
            parser.read_file(keyfile)
    except (OSError, configparser.Error, UnicodeDecodeError) as e:
        problem(f'{path}: cannot be read as a key file: {e}')
        return None
    if not parser.has_section(group):
        problem(f'{path}: no [{group}] group')
        return None
    return parser[group]


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    app_id, service_path, desktop_path = sys.argv[1:]

    if os.path.basename(service_path) != f'{app_id}.service':
        problem(f'{service_path}: the bus finds it only as {app_id}.service')

    service = read_keyfile(service_path, 'D-BUS Service')
    if service is not None:
        if service.get('Name') != app_id:
            problem(f'{service_path}: Name is {service.get("Name")!r}, expected {app_id!r}')
        exec_line = service.get('Exec', '')
        try:
            argv = shlex.split(exec_line)
        except ValueError as e:
            problem(f'{service_path}: Exec {exec_line!r} does not parse: {e}')
            argv = []
        if not argv:
            problem(f'{service_path}: no Exec')
        else:
            if '@' in exec_line:
                problem(f'{service_path}: Exec {exec_line!r} still holds a placeholder')
            if not os.path.isabs(argv[0]):
                problem(f'{service_path}: Exec runs {argv[0]!r}, not an absolute path')
            if os.path.basename(argv[0]) != 'convene-service':
                problem(f'{service_path}: Exec runs {argv[0]!r}, not convene-service')
            if argv[1:] != ['--gapplication-service']:
                problem(f'{service_path}: Exec arguments are {argv[1:]!r}, '
                        'expected [\'--gapplication-service\']')

    desktop = read_keyfile(desktop_path, 'Desktop Entry')
    if desktop is not None:
        if os.path.basename(desktop_path) != f'{app_id}.desktop':
            problem(f'{desktop_path}: D-Bus activation needs the desktop file named {app_id}.desktop')
        if desktop.get('DBusActivatable') != 'true':
            problem(f'{desktop_path}: DBusActivatable is {desktop.get("DBusActivatable")!r}, '
                    'expected \'true\'')
        if desktop.get('X-GNOME-UsesNotifications') != 'true':
            problem(f'{desktop_path}: X-GNOME-UsesNotifications=true is missing')

    for text in problems:
        print(text, file=sys.stderr)
    if not problems:
        print(f'{service_path}: Name={app_id}, Exec={service.get("Exec")}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
