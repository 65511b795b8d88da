#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the app's icons and the names that point at them.

Usage: check-icons.py APP_ID HICOLOR_DIR DESKTOP_FILE METAINFO_FILE

The icon theme spec finds an app icon by the Icon= key of the desktop file, and AppStream finds
the desktop file by <launchable>; a mismatch anywhere leaves a generic icon in the shell and in
Software, which no other validator reports.
"""

import configparser
import os
import sys
import xml.etree.ElementTree as ET

SVG_NS = '{http://www.w3.org/2000/svg}'
SYMBOLIC_COLOUR = '#2e3436'

problems = []


def problem(text):
    problems.append(text)


def parse_svg(path, size):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        problem(f'{path}: not well-formed SVG: {e}')
        return None
    if root.tag != SVG_NS + 'svg':
        problem(f'{path}: the root element is {root.tag}, not an SVG <svg>')
        return None
    if root.get('viewBox', '').split() != ['0', '0', str(size), str(size)]:
        problem(f'{path}: viewBox is {root.get("viewBox")!r}, expected "0 0 {size} {size}"')
    for attr in ('width', 'height'):
        if root.get(attr, '').removesuffix('px') != str(size):
            problem(f'{path}: {attr} is {root.get(attr)!r}, expected {size}')
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NS)
        # Icons must not depend on installed fonts or on files next to them.
        if tag in ('text', 'image', 'script', 'foreignObject'):
            problem(f'{path}: contains <{tag}>')
        for name, value in element.attrib.items():
            if name.endswith('}href') or name == 'href':
                if not value.startswith('#'):
                    problem(f'{path}: refers to an outside resource {value!r}')
    return root


def check_symbolic(path, root):
    # GTK recolours a symbolic icon through its fills: strokes and other colours would keep
    # their own colour, or be filled, on a dark or highlighted background.
    for element in root.iter():
        style = dict(
            item.split(':', 1) for item in element.get('style', '').replace(' ', '').split(';') if ':' in item
        )
        stroke = element.get('stroke', style.get('stroke'))
        if stroke not in (None, 'none'):
            problem(f'{path}: uses a stroke ({stroke}); convert it to a fill')
        fill = element.get('fill', style.get('fill'))
        if fill not in (None, 'none', SYMBOLIC_COLOUR):
            problem(f'{path}: uses the colour {fill}, not {SYMBOLIC_COLOUR}')


def main(app_id, hicolor, desktop_path, metainfo_path):
    expected = {
        os.path.join('scalable', 'apps', app_id + '.svg'): 128,
        os.path.join('symbolic', 'apps', app_id + '-symbolic.svg'): 16,
    }
    found = set()
    for directory, _, files in os.walk(hicolor):
        for name in files:
            found.add(os.path.relpath(os.path.join(directory, name), hicolor))
    for extra in sorted(found - set(expected)):
        problem(f'{hicolor}: {extra} is not named after the app id {app_id}')
    for relative, size in expected.items():
        path = os.path.join(hicolor, relative)
        if relative not in found:
            problem(f'{path}: missing')
            continue
        root = parse_svg(path, size)
        if root is not None and size == 16:
            check_symbolic(path, root)

    if os.path.basename(desktop_path) != app_id + '.desktop':
        problem(f'{desktop_path}: a desktop file must be named {app_id}.desktop')
    desktop = configparser.ConfigParser(interpolation=None, strict=False)
    desktop.optionxform = str
    desktop.read(desktop_path, encoding='utf-8')
    icon = desktop.get('Desktop Entry', 'Icon', fallback=None)
    if icon != app_id:
        problem(f'{desktop_path}: Icon={icon}, expected {app_id}')

    try:
        component = ET.parse(metainfo_path).getroot()
    except (OSError, ET.ParseError) as e:
        problem(f'{metainfo_path}: not well-formed: {e}')
    else:
        if component.findtext('id') != app_id:
            problem(f'{metainfo_path}: <id> is {component.findtext("id")!r}, expected {app_id}')
        launchables = [l.text for l in component.findall('launchable') if l.get('type') == 'desktop-id']
        if launchables != [app_id + '.desktop']:
            problem(f'{metainfo_path}: <launchable type="desktop-id"> is {launchables}, '
                    f'expected {app_id}.desktop')

    for text in problems:
        print(text, file=sys.stderr)
    if not problems:
        print(f'{len(expected)} icons and the names pointing at them match {app_id}')
    return 1 if problems else 0


if __name__ == '__main__':
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
