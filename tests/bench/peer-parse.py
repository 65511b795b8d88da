#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The parse benchmark's peer: Convene's parse-and-resolve, written with Python's email package
and python3-icalendar (Debian), run over the same corpus as bench-parse.

For every mail it does the work cnv_request_parse_data() does, no more and no less:

- parse the message (email.message_from_bytes, policy=email.policy.default: RFC 2047 names and
  subjects decoded, groups flattened);
- From, To and Cc: normalise every address (ASCII letters of the local part lower-cased, the
  domain in IDNA ASCII, lower case), clean the display names, deduplicate (first spelling wins);
- the manager address: in To, else Cc, else Delivered-To / X-Original-To; the session type by that
  address, else by a keyword (case-folded, whole words, earliest) in the subject or the first
  text/plain body, else the default type of the same INI file (tests/data/manager.ini);
- participants (the initiator first, To without manager addresses), informational addressees (Cc),
  the title, the [cnv:ID] tag, Message-ID, References and In-Reply-To;
- temporal information, first match wins: the first text/calendar or application/ics part (or a
  .ics attachment), parsed with icalendar, DTSTART and DTEND/DURATION resolved to UTC (TZID
  through the VTIMEZONE, IANA or Windows names; floating times in the manager's zone), else the
  Start:/End:/Duration: lines of the body, else none.

It prints key=value lines that bench-parse reads. Usage:
  peer-parse.py --corpus DIR --config manager.ini [--runs N]
"""

import argparse
import configparser
import datetime
import email
import email.policy
import email.utils
import os
import re
import sys
import time
import unicodedata
import zoneinfo

import icalendar
from icalendar.windows_to_olson import WINDOWS_TO_OLSON

UTC = datetime.timezone.utc
MAX_BODY_SCAN = 8 * 1024 * 1024
MAX_MIME_DEPTH = 32


def unescape(text):
    """Raw UTF-8 in headers (RFC 6532) reaches Python as surrogate escapes: make it text."""
    if text and any("\udc80" <= c <= "\udcff" for c in text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def normalize_address(address):
    """cnv_address_normalize(): None when it is not an address."""
    address = (address or "").strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1]
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return None
    domain = domain.rstrip(".") if domain.endswith(".") else domain
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    if not ascii_domain or any(not (c.isalnum() or c in "-.") for c in ascii_domain):
        return None
    local = unicodedata.normalize("NFC", local)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in local):
        return None
    local = "".join(c.lower() if c.isascii() else c for c in local)
    return local + "@" + ascii_domain


def sanitize_name(name):
    """cnv_address_sanitize_name(): one line, no controls, white space folded, quotes removed."""
    if not name:
        return None
    words = []
    word = []
    for c in name:
        if unicodedata.category(c) == "Cc" or c.isspace() or c in "\u2028\u2029":
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(c)
    if word:
        words.append("".join(word))
    text = " ".join(words)
    while len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1]
    text = text.strip()
    return text or None


class SessionTypes:
    """The [type NAME] groups and [manager] address of the manager's INI file."""

    def __init__(self, path):
        config = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#",))
        config.read(path, encoding="utf-8")
        self.types = []
        self.manager_addresses = []
        for section in config.sections():
            if section == "manager":
                for address in re.split(r"[;,]", config[section].get("address", "")):
                    if address.strip():
                        self.manager_addresses.append(self._normalize_pattern(address))
            elif section.startswith("type "):
                group = config[section]
                keywords = [unicodedata.normalize("NFC", k.strip().casefold())
                            for k in re.split(r"[;,]", group.get("keywords", "")) if k.strip()]
                address = group.get("address")
                self.types.append({
                    "name": section[len("type "):],
                    "address": self._normalize_pattern(address) if address else None,
                    "keywords": keywords,
                    "default": group.get("default", "false").strip().lower() in ("true", "1", "yes"),
                })

    @staticmethod
    def _normalize_pattern(address):
        address = address.strip()
        if address.endswith("@*"):
            return address[:-2].lower() + "@*"
        return normalize_address(address)

    @staticmethod
    def _matches(pattern, address):
        if pattern is None:
            return False
        if pattern.endswith("@*"):
            return address.rpartition("@")[0] == pattern[:-2]
        return pattern == address

    def match_address(self, address):
        for t in self.types:
            if t["address"] and not t["address"].endswith("@*") and t["address"] == address:
                return t
        for t in self.types:
            if self._matches(t["address"], address):
                return t
        return None

    def is_manager_address(self, address):
        return self.match_address(address) is not None or \
            any(self._matches(p, address) for p in self.manager_addresses)

    def match_keyword(self, text):
        folded = unicodedata.normalize("NFC", text.casefold())
        best, best_offset = None, None
        for t in self.types:
            for keyword in t["keywords"]:
                offset = find_word(folded, keyword)
                if offset is not None and (best_offset is None or offset < best_offset):
                    best, best_offset = t, offset
        return best

    def default(self):
        return next((t for t in self.types if t["default"]), None)


def is_word_char(c):
    return c.isalnum() or c == "_"


def find_word(folded, keyword):
    start = 0
    while True:
        i = folded.find(keyword, start)
        if i < 0:
            return None
        end = i + len(keyword)
        if (i == 0 or not is_word_char(folded[i - 1])) and \
           (end == len(folded) or not is_word_char(folded[end])):
            return i
        start = i + 1


def header_addresses(message, name, out=None, seen=None):
    """The unique normalised addresses of every header @name, with their cleaned names."""
    out = [] if out is None else out
    seen = {} if seen is None else seen
    for value in message.get_all(name, []):
        try:
            addresses = [(a.display_name, a.addr_spec) for a in value.addresses]
        except AttributeError:
            # Delivered-To and X-Original-To are not address headers to the registry.
            addresses = [(n, a) for n, a in email.utils.getaddresses([str(value)])]
        for display_name, addr_spec in addresses:
            address = normalize_address(unescape(addr_spec))
            if address is None:
                continue
            display = sanitize_name(unescape(display_name))
            if display is not None and display.lower() == address.lower():
                display = None
            known = seen.get(address)
            if known is not None:
                if known[0] is None and display is not None:
                    known[0] = display
                continue
            entry = [display, address]
            seen[address] = entry
            out.append(entry)
    return out


def is_calendar(part):
    ctype = part.get_content_type()
    if ctype in ("text/calendar", "application/ics"):
        return "ical"
    if ctype in ("text/x-vcalendar", "text/vcalendar"):
        return "vcal"
    filename = part.get_filename()
    if filename:
        if filename.endswith((".ics", ".ICS")):
            return "ical"
        if filename.endswith((".vcs", ".VCS")):
            return "vcal"
    return None


def search_parts(part, found, depth=0):
    if depth > MAX_MIME_DEPTH:
        return
    if part.is_multipart():
        if part.get_content_maintype() == "message":
            return  # a forwarded mail: its times are not ours
        for sub in part.iter_parts():
            search_parts(sub, found, depth + 1)
        return
    if "calendar" not in found:
        kind = is_calendar(part)
        if kind:
            found["calendar"] = (part, kind)
            return
    if "text" not in found and part.get_content_type() == "text/plain" and \
       not part.is_attachment():
        found["text"] = part


def to_utc(value, zone):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    # A DATE: midnight in the manager's zone.
    return datetime.datetime(value.year, value.month, value.day, tzinfo=zone).astimezone(UTC)


def calendar_times(text, zone, default_duration):
    calendar = icalendar.Calendar.from_ical(text)
    event = next(iter(calendar.walk("VEVENT")), None)
    if event is None or "DTSTART" not in event:
        raise ValueError("no event")
    dtstart = event.decoded("DTSTART")
    start = to_utc(dtstart, zone)
    if "DTEND" in event:
        end = to_utc(event.decoded("DTEND"), zone)
    elif "DURATION" in event:
        end = start + event.decoded("DURATION")
    elif not isinstance(dtstart, datetime.datetime):
        end = start + datetime.timedelta(days=1)
    else:
        end = start + default_duration
    if end <= start:
        raise ValueError("end before start")
    return start, end, str(event.get("UID")) if "UID" in event else None


LINE_RE = re.compile(r"^[ \t]*(start|end|duration)[ \t]*:[ \t]*(.*?)[ \t\r]*$",
                     re.IGNORECASE | re.MULTILINE)
LOCAL_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"
                      r"(?:\s*(Z|[+-]\d{2}:?\d{2})|\s+(\S.*))?$")
HOUR_RE = re.compile(r"^(\d{1,2}):(\d{2})$")
DURATION_RE = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$", re.IGNORECASE)
ISO_DURATION_RE = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$",
                             re.IGNORECASE)


def lookup_zone(name):
    name = WINDOWS_TO_OLSON.get(name, name)
    return zoneinfo.ZoneInfo(name)


def parse_moment(text, zone):
    m = LOCAL_RE.match(text)
    if not m:
        raise ValueError("bad time: " + text)
    y, mo, d, h, mi, s, offset, zone_name = m.groups()
    if offset:
        if offset == "Z":
            tz = UTC
        else:
            sign = -1 if offset[0] == "-" else 1
            digits = offset[1:].replace(":", "")
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]),
                                                             minutes=int(digits[2:])))
    elif zone_name:
        tz = lookup_zone(zone_name.strip())
    else:
        tz = zone
    local = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), tzinfo=tz)
    return local


def parse_duration(text):
    m = ISO_DURATION_RE.match(text)
    if m and any(m.groups()):
        d, h, mi, s = (int(x or 0) for x in m.groups())
        return datetime.timedelta(days=d, hours=h, minutes=mi, seconds=s)
    m = DURATION_RE.match(text)
    if m and any(m.groups()):
        return datetime.timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0))
    raise ValueError("bad duration: " + text)


def body_times(body, zone, default_duration):
    found = {}
    for key, value in LINE_RE.findall(body):
        found.setdefault(key.lower(), value)
    if "start" not in found:
        return None
    start = parse_moment(found["start"], zone)
    if "end" in found:
        m = HOUR_RE.match(found["end"])
        if m:
            end = start.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0)
        else:
            end = parse_moment(found["end"], start.tzinfo)
    elif "duration" in found:
        end = start + parse_duration(found["duration"])
    else:
        end = start + default_duration
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise ValueError("end before start")
    return start, end


def parse_request(data, types, zone, default_duration):
    message = email.message_from_bytes(data, policy=email.policy.default)
    request = {"errors": [], "start": None, "end": None, "times_from": None, "uid": None}

    senders = header_addresses(message, "From")
    to = header_addresses(message, "To")
    cc = header_addresses(message, "Cc")
    initiator = senders[0] if senders else None
    if initiator is None:
        request["errors"].append("no initiator")

    manager, session_type = None, None
    for entry in to + cc:
        if types.is_manager_address(entry[1]):
            manager = entry[1]
            session_type = types.match_address(manager)
            break
    if manager is None:
        for name in ("Delivered-To", "X-Original-To"):
            for entry in header_addresses(message, name):
                if types.is_manager_address(entry[1]):
                    manager = entry[1]
                    session_type = types.match_address(manager)
                    break
            if manager is not None:
                break
    if manager is None:
        request["errors"].append("no manager address")

    participants = [initiator] if initiator else []
    informational = []
    seen = {initiator[1]} if initiator else set()
    for entry in to:
        if types.is_manager_address(entry[1]) or entry[1] in seen:
            continue
        seen.add(entry[1])
        participants.append(entry)
    for entry in cc:
        if types.is_manager_address(entry[1]) or entry[1] in seen:
            continue
        seen.add(entry[1])
        informational.append(entry)
    if len(participants) - (1 if initiator else 0) == 0:
        request["errors"].append("no participants")
    request["participants"] = participants
    request["informational"] = informational

    subject = message["Subject"]
    request["title"] = sanitize_name(unescape(str(subject))) if subject is not None else None
    tag = re.search(r"\[cnv:([A-Za-z0-9_-]{1,64})\]", request["title"] or "")
    request["session_tag"] = tag.group(1) if tag else None
    request["message_id"] = message["Message-ID"]
    references = []
    for name in ("References", "In-Reply-To"):
        for ref in re.findall(r"<([^>]*)>", str(message.get(name, ""))):
            if ref not in references:
                references.append(ref)
    request["references"] = references

    found = {}
    search_parts(message, found)
    body = None
    if "text" in found:
        body = found["text"].get_content()[:MAX_BODY_SCAN]

    if session_type is None and request["title"]:
        session_type = types.match_keyword(request["title"])
    if session_type is None and body is not None:
        session_type = types.match_keyword(body)
    if session_type is None:
        session_type = types.default()
    request["type"] = session_type["name"] if session_type else None

    try:
        if "calendar" in found:
            part, kind = found["calendar"]
            content = part.get_content()
            if isinstance(content, bytes):
                content = content.decode("utf-8", errors="replace")
            request["start"], request["end"], request["uid"] = \
                calendar_times(content, zone, default_duration)
            request["times_from"] = "icalendar" if kind == "ical" else "vcalendar"
        elif body is not None:
            times = body_times(body, zone, default_duration)
            if times is not None:
                request["start"], request["end"] = times
                request["times_from"] = "body"
    except (ValueError, KeyError, zoneinfo.ZoneInfoNotFoundError) as error:
        request["errors"].append(str(error))
    return request


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="directory of .eml files")
    parser.add_argument("--config", required=True, help="the manager's INI file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    config = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=("#",))
    config.read(args.config, encoding="utf-8")
    zone = zoneinfo.ZoneInfo(config.get("manager", "timezone", fallback="UTC").strip())
    default_duration = datetime.timedelta(hours=1)
    types = SessionTypes(args.config)

    names = sorted(n for n in os.listdir(args.corpus) if n.endswith(".eml"))
    mails = []
    for name in names:
        with open(os.path.join(args.corpus, name), "rb") as f:
            mails.append(f.read())
    total_bytes = sum(len(m) for m in mails)

    # bench-parse names the files NNNNN-KIND.eml.
    kinds = [n[:-len(".eml")].partition("-")[2] or "all" for n in names]
    best = None
    for _ in range(max(1, args.runs)):
        per_mail = []
        with_times = participants = informational = invalid = 0
        start_sum = 0
        run_start = time.perf_counter_ns()
        for data in mails:
            t0 = time.perf_counter_ns()
            request = parse_request(data, types, zone, default_duration)
            per_mail.append(time.perf_counter_ns() - t0)
            if request["start"] is not None:
                with_times += 1
                start_sum += int(request["start"].timestamp())
            participants += len(request["participants"])
            informational += len(request["informational"])
            invalid += 1 if request["errors"] else 0
        elapsed = time.perf_counter_ns() - run_start
        if best is None or elapsed < best["elapsed"]:
            by_kind = []
            order = ["thunderbird", "outlook", "gmail", "body", "none"]
            for kind in sorted(set(kinds), key=lambda k: (order.index(k) if k in order else 99, k)):
                times = sorted(t for t, k in zip(per_mail, kinds) if k == kind)
                by_kind.append(f"{kind} {times[len(times) // 2] / 1e3:.0f} us / "
                               f"{100 * sum(times) / elapsed:.0f}%")
            per_mail.sort()
            best = {
                "elapsed": elapsed, "median": per_mail[len(per_mail) // 2],
                "by_kind": ", ".join(by_kind),
                "with_times": with_times, "start_sum": start_sum,
                "participants": participants, "informational": informational,
                "invalid": invalid,
            }

    seconds = best["elapsed"] / 1e9
    print(f"implementation=Python {sys.version.split()[0]} email + icalendar {icalendar.__version__}")
    print(f"messages={len(mails)}")
    print(f"bytes={total_bytes}")
    print(f"runs={max(1, args.runs)}")
    print(f"best_seconds={seconds:.6f}")
    print(f"messages_per_second={len(mails) / seconds:.1f}")
    print(f"megabytes_per_second={total_bytes / seconds / 1e6:.3f}")
    print(f"median_microseconds={best['median'] / 1e3:.1f}")
    print(f"with_times={best['with_times']}")
    print(f"start_sum={best['start_sum']}")
    print(f"participants={best['participants']}")
    print(f"informational={best['informational']}")
    print(f"invalid={best['invalid']}")
    print(f"by_kind={best['by_kind']}")


if __name__ == "__main__":
    main()
