#!/usr/bin/env python3
# check-po.py — a translation is complete and valid against the sources as they are now
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-po.py --source-root DIR --work-dir DIR LANG.po...
#
# For each catalogue: msgfmt --check --check-format accepts it (header, plural forms, every
# printf directive of a c-format message kept); no message is fuzzy or untranslated; and it
# translates every message of the template that xgettext extracts now from po/POTFILES.in, with
# the keywords and flags of meson's i18n.gettext(preset: 'glib') (mesonbuild/modules/i18n.py)
# and gettext's ITS rules for .ui, .desktop, .metainfo.xml and .gschema.xml. The template goes
# into --work-dir (the build tree): `ninja convene-pot` would rewrite po/convene.pot in the
# source tree, which a test must not touch. Messages of the catalogue that the template no
# longer has are reported, not failed: a changed message also shows as a missing one.
#
# POTFILES.in itself: sorted, every file in it exists, and every file under src/ and data/ with
# a translatable string (a gettext keyword in C, translatable="yes" in a .ui file, any desktop
# file, metainfo or schema) is in it.
#
# Also: a list of keywords ("…;…;", the desktop file's Keywords) keeps its semicolons, as the
# translator comment asks and the Desktop Entry Specification requires.
#
# Exit status: 0 passed, 1 failed, 77 skipped (gettext's tools are missing). TAP output.

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data'))
import tap  # noqa: E402  (data/tap.py)

SKIP = tap.SKIP

# meson's preset: 'glib' (mesonbuild/modules/i18n.py, PRESET_ARGS), as build.ninja runs it for
# the convene-pot target.
GLIB_PRESET = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

ESCAPES = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', 'r': '\r', 'a': '\a', 'b': '\b',
           'f': '\f', 'v': '\v'}

_tap = tap.Tap()
ok = _tap.ok

run = tap.run


def unquote(text):
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f'not a quoted string: {text}')
    return re.sub(r'\\(.)', lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def messages(path):
    """The messages of a PO/POT file, obsolete ones left out: {(msgctxt, msgid): entry}, where
    entry has 'plural' (msgid_plural or None), 'strings' (the msgstr or msgstr[n], in order) and
    'flags'. msgcat --no-wrap gives every string on one line after the first."""
    result = run(['msgcat', '--no-wrap', '--no-location', path])
    if result.returncode != 0:
        raise RuntimeError(f'msgcat cannot read {path}:\n{result.stderr}')
    found = {}
    for block in result.stdout.strip('\n').split('\n\n'):
        fields = {}
        flags = set()
        current = None
        for line in block.split('\n'):
            if line.startswith('#~'):
                fields = {}
                break
            if line.startswith('#,'):
                flags.update(flag.strip() for flag in line[2:].split(','))
                continue
            if line.startswith('#'):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                current = match.group(1)
                fields[current] = unquote(match.group(2))
            elif current is not None:
                fields[current] += unquote(line)
        if 'msgid' not in fields or fields['msgid'] == '':
            continue
        strings = [fields[key] for key in sorted(
            (key for key in fields if key.startswith('msgstr')),
            key=lambda key: int(key[7:-1]) if '[' in key else 0)]
        found[(fields.get('msgctxt'), fields['msgid'])] = {
            'plural': fields.get('msgid_plural'), 'strings': strings, 'flags': flags}
    return found


def describe(key):
    context, msgid = key
    text = msgid if len(msgid) < 70 else msgid[:67] + '...'
    return f'[{context}] "{text}"' if context else f'"{text}"'


def header_fields(path):
    """The header's fields (the msgstr of the empty msgid), by name."""
    result = run(['msgcat', '--no-wrap', path])
    block = result.stdout.split('\n\n', 1)[0]
    lines = [line for line in block.split('\n') if not line.startswith('#')]
    start = next((i for i, line in enumerate(lines) if line.startswith('msgstr ')), len(lines))
    text = ''.join(unquote(line.split(' ', 1)[1] if line.startswith('msgstr ') else line)
                   for line in lines[start:])
    header = {}
    for line in text.split('\n'):
        name, _, value = line.partition(':')
        if name:
            header[name.strip()] = value.strip()
    return header


# What makes a file need a place in POTFILES.in: a gettext keyword of the glib preset (or
# g_dgettext, ngettext) in C, translatable="yes" in GtkBuilder, and every desktop file, metainfo
# and schema (their ITS rules mark the strings).
C_KEYWORDS = re.compile(r'(?<![A-Za-z0-9_])(_|N_|C_|NC_|Q_|g_dgettext|g_dngettext|g_dpgettext2|'
                        r'ngettext|g_dcgettext)\s*\(')
SOURCE_DIRS = ('src', 'data')


def translatable(path):
    if path.endswith(('.desktop.in', '.metainfo.xml.in', '.gschema.xml')):
        return True
    if not path.endswith(('.c', '.h', '.ui')):
        return False
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if path.endswith('.ui'):
        return 'translatable="yes"' in text
    # Comments and preprocessor lines do not count (a "_(" in a comment marks nothing).
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.DOTALL)
    text = re.sub(r'^\s*#.*$', '', text, flags=re.MULTILINE)
    return C_KEYWORDS.search(text) is not None


def check_potfiles(source_root):
    """POTFILES.in: sorted (byte order, as LC_ALL=C sort), without duplicates, every file in
    it exists, and every file of src/ and data/ with translatable strings is in it."""
    with open(os.path.join(source_root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        listed = [line.strip() for line in f
                  if line.strip() and not line.lstrip().startswith('#')]
    ok(listed == sorted(listed) and len(listed) == len(set(listed)),
       'POTFILES.in is sorted, without duplicates',
       '\n'.join(f'{a} before {b}' for a, b in zip(listed, listed[1:]) if a >= b))
    missing_files = [name for name in listed
                     if not os.path.isfile(os.path.join(source_root, name))]
    ok(not missing_files, 'every file POTFILES.in lists exists', '\n'.join(missing_files))

    found = []
    for top in SOURCE_DIRS:
        for directory, subdirs, names in os.walk(os.path.join(source_root, top)):
            subdirs.sort()
            for name in sorted(names):
                path = os.path.join(directory, name)
                if translatable(path):
                    found.append(os.path.relpath(path, source_root))
    unlisted = sorted(set(found) - set(listed))
    ok(not unlisted, f'POTFILES.in lists all {len(found)} files with translatable strings',
       'not listed:\n' + '\n'.join(unlisted))
    for name in sorted(set(listed) - set(found) - set(missing_files)):
        print(f'# POTFILES.in lists {name}, which has no translatable string')


def make_template(source_root, work_dir):
    potfiles = os.path.join(source_root, 'po', 'POTFILES.in')
    template = os.path.join(work_dir, 'convene.pot')
    result = run(['xgettext', '--package-name=convene', '-f', potfiles, '-D', source_root,
                  '-k_', '-o', template] + GLIB_PRESET)
    if result.returncode != 0:
        raise RuntimeError(f'xgettext failed:\n{result.stderr}')
    return template


def check_catalogue(path, template_messages):
    name = os.path.basename(path)
    language = name[:-3]

    result = run(['msgfmt', '--check', '--check-format', '--statistics', '-o', os.devnull, path])
    ok(result.returncode == 0, f'{name}: msgfmt --check --check-format accepts it',
       result.stderr)
    # msgfmt counts what it compiled ("455 translated messages.") on stderr.
    statistics = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ''

    header = header_fields(path)
    ok(header.get('Language') == language, f'{name}: the header says Language: {language}',
       f'Language: {header.get("Language")!r}')
    ok('charset=UTF-8' in header.get('Content-Type', ''), f'{name}: the charset is UTF-8',
       f'Content-Type: {header.get("Content-Type")!r}')
    ok(bool(header.get('Plural-Forms')) and 'INTEGER' not in header.get('Plural-Forms', ''),
       f'{name}: the header has Plural-Forms', f'Plural-Forms: {header.get("Plural-Forms")!r}')

    catalogue = messages(path)
    fuzzy = [key for key, entry in catalogue.items() if 'fuzzy' in entry['flags']]
    ok(not fuzzy, f'{name}: no fuzzy message',
       'fuzzy:\n' + '\n'.join(describe(key) for key in fuzzy))
    untranslated = [key for key, entry in catalogue.items()
                    if not entry['strings'] or any(text == '' for text in entry['strings'])]
    ok(not untranslated, f'{name}: no untranslated message',
       'untranslated:\n' + '\n'.join(describe(key) for key in untranslated))

    missing = [key for key in template_messages if key not in catalogue]
    ok(not missing, f'{name}: translates all {len(template_messages)} messages of the template',
       f'{len(missing)} missing (run msgmerge --update {path} with the template):\n'
       + '\n'.join(describe(key) for key in missing))
    plural_mismatch = [key for key, entry in template_messages.items()
                       if key in catalogue
                       and (entry['plural'] is None) != (catalogue[key]['plural'] is None)]
    ok(not plural_mismatch, f'{name}: plural messages are plural in the catalogue too',
       '\n'.join(describe(key) for key in plural_mismatch))
    stale = [key for key in catalogue if key not in template_messages]
    for key in stale:
        print(f'# {name}: not in the template any more (obsolete): {describe(key)}')

    # The desktop file's Keywords: a list that ends with ';' stays one.
    broken_lists = [key for key, entry in catalogue.items()
                    if key[1].count(';') >= 2 and key[1].endswith(';')
                    and not all(text.endswith(';') and ';;' not in text
                                for text in entry['strings'])]
    ok(not broken_lists, f'{name}: keyword lists keep their semicolons',
       '\n'.join(describe(key) for key in broken_lists))
    print(f'# {name}: {statistics}; {len(catalogue)} messages in the catalogue, '
          f'{len(template_messages)} in the template')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--source-root', required=True)
    parser.add_argument('--work-dir', required=True, help='where the template is written')
    parser.add_argument('catalogues', nargs='+')
    args = parser.parse_args()

    for tool in ('xgettext', 'msgfmt', 'msgcat'):
        if shutil.which(tool) is None:
            print(f'1..0 # SKIP {tool} (gettext) is not installed')
            return SKIP

    check_potfiles(args.source_root)
    os.makedirs(args.work_dir, exist_ok=True)
    try:
        template_messages = messages(make_template(args.source_root, args.work_dir))
    except RuntimeError as error:
        ok(False, 'xgettext makes the template from po/POTFILES.in', str(error))
        _tap.plan()
        return 1
    ok(len(template_messages) > 0, 'xgettext makes the template from po/POTFILES.in')
    for path in args.catalogues:
        check_catalogue(path, template_messages)
    return _tap.plan()


if __name__ == '__main__':
    sys.exit(main())
