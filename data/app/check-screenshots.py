#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks that every screenshot the metainfo names is in the source tree, as declared.

Usage: check-screenshots.py METAINFO_FILE SCREENSHOTS_DIR URL_PREFIX

`appstreamcli validate --no-net` cannot fetch the images, so it does not notice a screenshot
that was renamed, never committed, or replaced by one of another size. Each <image> URL must be
URL_PREFIX + a file name, the file must be a PNG in SCREENSHOTS_DIR (copied there from the
tests' screenshots, data/screenshots/README.md), and its size must be the declared width and
height. One screenshot is the default, and each has a caption and one image for every
language: one without xml:lang (the untranslated one), at most one per xml:lang (AppStream,
"Screenshots": translated images).
"""

import os
import struct
import sys
import xml.etree.ElementTree as ET

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'

problems = []


def png_size(path):
    """The width and height of the PNG's IHDR chunk (PNG specification, 11.2.2)."""
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != PNG_SIGNATURE or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    metainfo, folder, prefix = sys.argv[1:]
    screenshots = ET.parse(metainfo).getroot().findall('./screenshots/screenshot')
    if not screenshots:
        problems.append(f'{metainfo}: no <screenshot>')
    defaults = [s for s in screenshots if s.get('type') == 'default']
    if len(defaults) != 1:
        problems.append(f'{metainfo}: {len(defaults)} default screenshots, expected 1')
    for screenshot in screenshots:
        # The untranslated caption (merge_file adds translated ones with xml:lang).
        captions = [c for c in screenshot.findall('caption') if XML_LANG not in c.attrib]
        if len(captions) != 1 or not (captions[0].text or '').strip():
            problems.append(f'{metainfo}: a screenshot without a caption')
        languages = [image.get(XML_LANG) for image in screenshot.findall('image')]
        if languages.count(None) != 1:
            problems.append(f'{metainfo}: a screenshot with {languages.count(None)} untranslated '
                            'images, expected 1')
        for language in sorted({lang for lang in languages if lang is not None}):
            if languages.count(language) != 1:
                problems.append(f'{metainfo}: a screenshot with {languages.count(language)} '
                                f'images for xml:lang="{language}"')
        for image in screenshot.findall('image'):
            url = (image.text or '').strip()
            if not url.startswith(prefix) or '/' in url[len(prefix):]:
                problems.append(f'{url}: not under {prefix}')
                continue
            path = os.path.join(folder, url[len(prefix):])
            if not os.path.isfile(path):
                problems.append(f'{url}: {path} does not exist')
                continue
            size = png_size(path)
            declared = (image.get('width'), image.get('height'))
            if size is None:
                problems.append(f'{path}: not a PNG')
            elif declared != (str(size[0]), str(size[1])):
                problems.append(f'{path}: {size[0]}x{size[1]}, the metainfo says '
                                f'{declared[0]}x{declared[1]}')
            else:
                print(f'{path}: {size[0]}x{size[1]} OK')

    for text in problems:
        print(text)
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
