#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks what glib-compile-schemas --strict does not: the schema is ready for translation.

Usage: check-schema.py SCHEMA.gschema.xml GETTEXT_DOMAIN

- The schemalist names the gettext domain (gettext-domain="convene"): GSettings and dconf-editor
  translate the summaries and descriptions with it, and xgettext extracts them from POTFILES.in.
- Every key has a summary and a description that are not empty, the summary on one line without
  a final full stop (the GNOME convention, gsettings describe shows it as a title).
- A string default in human language carries l10n="messages" (so that it is translated); the
  defaults here are empty or identifiers, which must not be.
"""

import sys
import xml.etree.ElementTree as ET

problems = []


def main():
    path, domain = sys.argv[1:3]
    root = ET.parse(path).getroot()
    if root.get('gettext-domain') != domain:
        problems.append(f'<schemalist> has gettext-domain={root.get("gettext-domain")!r}, '
                        f'expected {domain!r}')
    keys = 0
    for schema in root.iter('schema'):
        if schema.get('gettext-domain') not in (None, domain):
            problems.append(f'schema {schema.get("id")}: another gettext-domain')
        for key in schema.iter('key'):
            keys += 1
            name = f'{schema.get("id")}: key {key.get("name")}'
            summary = key.find('summary')
            description = key.find('description')
            if summary is None or not (summary.text or '').strip():
                problems.append(f'{name}: no summary')
            elif '\n' in summary.text.strip() or summary.text.strip().endswith('.'):
                problems.append(f'{name}: the summary is not one line without a final stop')
            if description is None or not (description.text or '').strip():
                problems.append(f'{name}: no description')
            default = key.find('default')
            text = (default.text or '').strip() if default is not None else ''
            if (key.get('type') == 's' and default is not None and default.get('l10n') is None
                    and text not in ("''", '""') and ' ' in text):
                problems.append(f'{name}: a default in words ({text}) without l10n="messages"')
    for problem in problems:
        print('FAIL: ' + problem)
    print(f'{path}: {keys} keys checked' + ('' if problems else ': OK'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
