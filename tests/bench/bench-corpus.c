/* bench-corpus.c — a deterministic corpus of request mails for the parse benchmark
 *
 * The mails look like what reaches a manager from real clients: Received, DKIM and
 * Authentication-Results headers, RFC 2047 display names and subjects in UTF-8 and ISO-8859-1,
 * folded address lists, mixed-case and duplicate addresses, Cc, manager addresses in To, in Cc, in
 * Delivered-To only (Bcc) or the single-address variant with a keyword. The kinds:
 *
 *   1/3  Thunderbird: multipart/mixed, text/calendar with TZID + VTIMEZONE (IANA names), and the
 *        same calendar again as an invite.ics attachment in base64;
 *   1/6  Outlook: multipart/alternative, quoted-printable text and HTML, a base64 text/calendar
 *        whose TZID is a Windows zone name with Outlook's VTIMEZONE (DTSTART 1601…);
 *   1/6  Gmail: UTC times, HTML, the calendar inline and as invite.ics;
 *   1/6  plain body with the predetermined `Start:`/`End:`/`Duration:` lines (several spellings);
 *   1/6  no times at all.
 *
 * Every choice comes from a GRand with a fixed seed (Mersenne Twister): the same seed gives the
 * same bytes on every machine. The generator also records how many mails carry times and the sum
 * of their starts in UTC, computed here with GLib's zone database, so that the benchmark can check
 * that both parsers resolved the same instants.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bench-corpus-private.h"

typedef struct
{
  const char *name;   /* UTF-8 */
  const char *ascii;  /* for addresses */
} Word;

static const Word first_names[] = {
  { "Alice", "alice" }, { "Bob", "bob" }, { "Carol", "carol" }, { "Dave", "dave" },
  { "Erin", "erin" }, { "Frank", "frank" }, { "Gaëlle", "gaelle" }, { "Héloïse", "heloise" },
  { "José", "jose" }, { "Zoë", "zoe" }, { "Łukasz", "lukasz" }, { "Jürgen", "juergen" },
  { "François", "francois" }, { "Søren", "soren" }, { "Ana", "ana" }, { "Björn", "bjorn" },
  { "Chloé", "chloe" }, { "Mehmet", "mehmet" }, { "Yuki", "yuki" }, { "太郎", "taro" },
  { "Ольга", "olga" }, { "Noémie", "noemie" }, { "Raphaël", "raphael" }, { "Inès", "ines" },
  { "Oğuz", "oguz" }, { "Wei", "wei" }, { "Priya", "priya" }, { "Kofi", "kofi" },
  { "Siobhán", "siobhan" }, { "Zoltán", "zoltan" }, { "Marie", "marie" }, { "Paul", "paul" },
};

static const Word last_names[] = {
  { "Martin", "martin" }, { "Durand", "durand" }, { "Müller", "mueller" }, { "Dupré", "dupre" },
  { "Nowak", "nowak" }, { "García", "garcia" }, { "Rossi", "rossi" }, { "Jensen", "jensen" },
  { "Tanaka", "tanaka" }, { "Иванова", "ivanova" }, { "O'Brien", "obrien" },
  { "Lefèvre", "lefevre" }, { "Schmidt", "schmidt" }, { "Kowalski", "kowalski" },
  { "Svensson", "svensson" }, { "Moreau", "moreau" }, { "Bernard", "bernard" },
  { "Petit", "petit" }, { "Nguyen", "nguyen" }, { "Öztürk", "ozturk" }, { "Smith", "smith" },
  { "Johnson", "johnson" }, { "Brown", "brown" }, { "Lambert", "lambert" },
};

static const char * const domains[] = {
  "example.test", "example.test", "example.test", "example.org", "corp.example",
  "mail.example.net", "research.example.edu", "bücher.example", "partner.example.com",
};

static const char * const subjects[] = {
  "Weekly sync", "Quarterly review", "Design review: new onboarding flow",
  "Réunion d’équipe", "Point hebdomadaire", "Projektbesprechung – Q3", "Sprint planning",
  "Budget 2027 (draft)", "Retro", "Kick-off: migration to the new mail stack",
  "Architecture whiteboard", "Café virtuel ☕", "Interview debrief", "Customer call — ACME",
  "週次ミーティング", "Code review session", "Incident post-mortem", "Roadmap brainstorm",
  "Reunión de seguimiento", "Board meeting prep", "Onboarding: week 1 check-in",
  "Visio avec l’équipe de Lyon", "Release 4.2 go/no-go", "Präsentation für den Kunden",
};

/* Words that select a type in the single-address variant (tests/data/manager.ini). */
static const char * const keyword_phrases[] = {
  "on se fait une visio ?", "a quick video call", "let us use the whiteboard",
  "sur le tableau blanc", "a videoconference with the partners",
};

static const char * const sentences[] = {
  "Hi all,",
  "As discussed on Monday, let us meet to go through the open points.",
  "Please have a look at the attached notes before the meeting.",
  "We will review the action items from last time and agree on the next steps.",
  "If you cannot make it, reply and I will move it.",
  "The agenda is in the shared folder; feel free to add to it.",
  "Nous ferons le point sur l’avancement du projet et sur le calendrier.",
  "Merci de préparer vos questions à l’avance.",
  "Bitte bringt eure Zahlen für das dritte Quartal mit.",
  "This is a follow-up to the thread about the migration of the mail servers.",
  "I would like to hear everybody’s view on the proposal before we decide.",
  "Thanks, and talk soon.",
  "Cheers,",
  "Bonne journée,",
};


int
bench_pick (Generator *gen,
            int        n)
{
  return g_rand_int_range (gen->rand, 0, n);
}

gboolean
bench_chance (Generator *gen,
              double     p)
{
  return g_rand_double (gen->rand) < p;
}

#define PICK(gen, array) ((array)[bench_pick ((gen), G_N_ELEMENTS (array))])

GTimeZone *
bench_get_zone (Generator  *gen,
                const char *iana)
{
  GTimeZone *zone = g_hash_table_lookup (gen->zone_cache, iana);

  if (zone == NULL)
    {
      zone = g_time_zone_new_identifier (iana);
      if (zone == NULL)
        g_error ("The system has no zone data for %s (install tzdata)", iana);
      g_hash_table_insert (gen->zone_cache, (gpointer) iana, zone);
    }
  return zone;
}

static void
person_clear (Person *person)
{
  g_clear_pointer (&person->name, g_free);
  g_clear_pointer (&person->address, g_free);
}

static void
make_person (Generator *gen,
             Person    *person)
{
  const Word *first = &PICK (gen, first_names);
  const Word *last = &PICK (gen, last_names);
  const char *domain = PICK (gen, domains);
  g_autofree char *local = NULL;
  int style = bench_pick (gen, 10);

  if (style < 6)
    local = g_strdup_printf ("%s.%s", first->ascii, last->ascii);
  else if (style < 9)
    local = g_strdup_printf ("%c%s", first->ascii[0], last->ascii);
  else
    local = g_strdup (first->ascii);

  /* Some clients keep the capitals people type; the manager must not see two people. */
  if (bench_chance (gen, 0.1))
    {
      g_autofree char *upper = g_ascii_strup (domain, -1);

      local[0] = g_ascii_toupper (local[0]);
      person->address = g_strdup_printf ("%s@%s", local, bench_chance (gen, 0.5) ? upper : domain);
    }
  else
    person->address = g_strdup_printf ("%s@%s", local, domain);

  if (bench_chance (gen, 0.85))
    person->name = bench_chance (gen, 0.15) ? g_strdup_printf ("%s, %s", last->name, first->name)
                                      : g_strdup_printf ("%s %s", first->name, last->name);
}

static char *
format_mailbox (Generator    *gen,
                const Person *person)
{
  g_autofree char *phrase = NULL;

  if (person->name == NULL)
    return g_strdup (person->address);
  if (!bench_is_ascii (person->name))
    phrase = bench_encode_words (gen, person->name);
  else if (strpbrk (person->name, ",.'\"()<>@:;[]\\") != NULL)
    phrase = g_strdup_printf ("\"%s\"", person->name);
  else
    phrase = g_strdup (person->name);
  return g_strdup_printf ("%s <%s>", phrase, person->address);
}

/* `Name: a, b, c` with lines folded before 78 characters (RFC 5322 §2.2.3). */
static void
append_address_header (Generator   *gen,
                       GString     *out,
                       const char  *header,
                       GPtrArray   *people)
{
  gsize line_start = out->len;

  g_string_append_printf (out, "%s: ", header);
  for (guint i = 0; i < people->len; i++)
    {
      g_autofree char *mailbox = format_mailbox (gen, g_ptr_array_index (people, i));
      const char *first_break = strstr (mailbox, CRLF);
      const char *last_break = g_strrstr (mailbox, CRLF);
      gsize first_len = first_break ? (gsize) (first_break - mailbox) : strlen (mailbox);

      if (i > 0)
        {
          g_string_append_c (out, ',');
          if (out->len - line_start + 1 + first_len > 76)
            {
              g_string_append (out, CRLF "\t");
              line_start = out->len - 1;
            }
          else
            g_string_append_c (out, ' ');
        }
      g_string_append (out, mailbox);
      /* An encoded name may itself be folded: count from its last line. */
      if (last_break != NULL)
        line_start = out->len - strlen (last_break + 2);
    }
  g_string_append (out, CRLF);
}

static void
append_subject (Generator  *gen,
                GString    *out,
                const char *subject)
{
  if (bench_is_ascii (subject))
    g_string_append_printf (out, "Subject: %s" CRLF, subject);
  else
    {
      g_autofree char *encoded = bench_encode_words (gen, subject);

      g_string_append_printf (out, "Subject: %s" CRLF, encoded);
    }
}

/* The transport headers that every delivered mail carries before the author's own. */
static void
append_trace_headers (Generator    *gen,
                      GString      *out,
                      const Person *from,
                      const char   *delivered_to,
                      GDateTime    *date)
{
  const char *domain = strrchr (from->address, '@') + 1;
  g_autofree char *stamp = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S %z");
  g_autofree char *queue_id = bench_random_token (gen, 10, "0123456789ABCDEFGHJKLMNPQRSTVWXYZ");
  g_autofree char *signature = bench_random_token (gen, 344, BASE64);
  g_autofree char *body_hash = bench_random_token (gen, 43, BASE64);
  int hops = 1 + bench_pick (gen, 2);

  g_string_append_printf (out, "Return-Path: <%s>" CRLF, from->address);
  g_string_append_printf (out, "Delivered-To: %s" CRLF, delivered_to);
  for (int i = 0; i < hops; i++)
    g_string_append_printf (out,
                            "Received: from mx%d.%s (mx%d.%s [192.0.2.%d])" CRLF
                            "\tby mail.example.test (Postfix) with ESMTPS id %s" CRLF
                            "\tfor <%s>; %s" CRLF,
                            i + 1, domain, i + 1, domain, 10 + bench_pick (gen, 200), queue_id,
                            delivered_to, stamp);
  /* Not every sender signs its mail. */
  if (!bench_chance (gen, 0.7))
    return;
  g_string_append_printf (out,
                          "Authentication-Results: mail.example.test;" CRLF
                          "\tdkim=pass header.d=%s header.s=mail header.b=%.8s;" CRLF
                          "\tspf=pass (mail.example.test: domain of %s designates 192.0.2.1 as "
                          "permitted sender) smtp.mailfrom=%s;" CRLF
                          "\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=%s" CRLF,
                          domain, signature, from->address, from->address, domain);
  g_string_append_printf (out,
                          "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;" CRLF
                          "\ts=mail; t=%" G_GINT64_FORMAT ";" CRLF
                          "\th=from:to:cc:subject:date:message-id:mime-version:content-type;" CRLF
                          "\tbh=%s=;" CRLF
                          "\tb=%.76s" CRLF "\t %.76s" CRLF "\t %.76s" CRLF "\t %.76s" CRLF
                          "\t %.40s==" CRLF,
                          domain, g_date_time_to_unix (date), body_hash, signature,
                          signature + 76, signature + 152, signature + 228, signature + 304);
}

static char *
make_body_text (Generator    *gen,
                const Person *from,
                const char   *extra)
{
  GString *text = g_string_new (NULL);
  int n = 1 + bench_pick (gen, 4);

  g_string_append (text, sentences[0]);
  g_string_append (text, "\n\n");
  for (int i = 0; i < n; i++)
    {
      g_string_append (text, sentences[1 + bench_pick (gen, G_N_ELEMENTS (sentences) - 1)]);
      g_string_append_c (text, (i % 3 == 2) ? '\n' : ' ');
      if (i % 3 == 2)
        g_string_append_c (text, '\n');
    }
  g_string_append (text, "\n");
  if (extra != NULL)
    {
      g_string_append (text, "\n");
      g_string_append (text, extra);
      g_string_append (text, "\n");
    }
  g_string_append_printf (text, "\n-- \n%s\n%s\n", from->name ? from->name : from->address,
                          "Example Corp · +33 1 23 45 67 89");
  return g_string_free (text, FALSE);
}

static void
append_part_header (GString    *out,
                    const char *boundary,
                    const char *content_type,
                    const char *encoding,
                    const char *disposition)
{
  g_string_append_printf (out, "--%s" CRLF "Content-Type: %s" CRLF, boundary, content_type);
  if (encoding != NULL)
    g_string_append_printf (out, "Content-Transfer-Encoding: %s" CRLF, encoding);
  if (disposition != NULL)
    g_string_append_printf (out, "Content-Disposition: %s" CRLF, disposition);
  g_string_append (out, CRLF);
}

static void
append_text_part (GString    *out,
                  const char *boundary,
                  const char *subtype,
                  const char *text,
                  gboolean    quoted_printable)
{
  g_autofree char *type = g_strdup_printf ("text/%s; charset=\"utf-8\"%s", subtype,
                                           g_str_equal (subtype, "plain") && !quoted_printable
                                             ? "; format=flowed" : "");

  if (quoted_printable || !bench_is_ascii (text))
    {
      append_part_header (out, boundary, type, "quoted-printable", NULL);
      bench_append_quoted_printable (out, text);
    }
  else
    {
      append_part_header (out, boundary, type, "7bit", NULL);
      bench_append_lines (out, text);
    }
}

typedef struct
{
  Person     from;
  GPtrArray *to;        /* Person: participants, the manager address among them or not */
  GPtrArray *cc;
  char      *delivered_to;
} Addressing;

static void
person_free (gpointer data)
{
  Person *person = data;

  person_clear (person);
  g_free (person);
}

static Person *
new_manager (const char *address)
{
  Person *person = g_new0 (Person, 1);

  person->address = g_strdup (address);
  return person;
}

static void
make_addressing (Generator  *gen,
                 Addressing *addressing,
                 gboolean   *out_keyword_needed)
{
  /* 2–30 participants, most meetings small: 2 + 28·u³, median 5, mean 9. */
  double u = g_rand_double (gen->rand);
  int n = 2 + (int) (28 * u * u * u);
  int where = bench_pick (gen, 20);
  const char *manager;

  addressing->to = g_ptr_array_new_with_free_func (person_free);
  addressing->cc = g_ptr_array_new_with_free_func (person_free);
  make_person (gen, &addressing->from);

  for (int i = 1; i < n; i++)
    {
      Person *person = g_new0 (Person, 1);

      make_person (gen, person);
      g_ptr_array_add (addressing->to, person);
    }
  /* The same person twice, spelt differently: one participant. */
  if (bench_chance (gen, 0.1) && addressing->to->len > 0)
    {
      const Person *twin = g_ptr_array_index (addressing->to, 0);
      Person *person = g_new0 (Person, 1);

      person->address = g_ascii_strup (twin->address, -1);
      g_ptr_array_add (addressing->to, person);
    }
  if (bench_chance (gen, 0.4))
    {
      int n_cc = 1 + bench_pick (gen, 4);

      for (int i = 0; i < n_cc; i++)
        {
          Person *person = g_new0 (Person, 1);

          make_person (gen, person);
          g_ptr_array_add (addressing->cc, person);
        }
    }

  *out_keyword_needed = FALSE;
  if (where < 9)
    manager = "videoconference@example.test";
  else if (where < 14)
    manager = "whiteboard@example.test";
  else if (where < 16)
    manager = bench_pick (gen, 2) ? "videoconference@example.test" : "whiteboard@example.test";
  else if (where < 18)
    manager = "videoconference@example.test";
  else
    {
      manager = "convene@example.test";
      *out_keyword_needed = TRUE;
    }

  addressing->delivered_to = g_strdup (manager);
  if (where >= 14 && where < 16)
    g_ptr_array_add (addressing->cc, new_manager (manager));            /* manager in Cc */
  else if (where >= 16 && where < 18)
    ;                                                                   /* Bcc: Delivered-To */
  else
    g_ptr_array_insert (addressing->to, bench_pick (gen, 2) ? 0 : -1, new_manager (manager));
}

static void
addressing_clear (Addressing *addressing)
{
  person_clear (&addressing->from);
  g_clear_pointer (&addressing->to, g_ptr_array_unref);
  g_clear_pointer (&addressing->cc, g_ptr_array_unref);
  g_clear_pointer (&addressing->delivered_to, g_free);
}

static GBytes *
generate_mail (Generator     *gen,
               BenchMailKind  kind,
               gint64        *out_start_utc)
{
  GString *out = g_string_sized_new (4096);
  Addressing addressing = { { 0 } };
  EventTimes times = { 0 };
  g_autoptr(GDateTime) date = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *date_text = NULL;
  g_autofree char *message_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *lines = NULL;
  g_autofree char *boundary = NULL;
  g_autofree char *inner = NULL;
  gboolean keyword_needed = FALSE;
  const char *extra = NULL;
  const char *domain;

  make_addressing (gen, &addressing, &keyword_needed);
  domain = strrchr (addressing.from.address, '@') + 1;
  title = g_strdup (PICK (gen, subjects));
  if (keyword_needed && bench_chance (gen, 0.8))
    {
      /* The single-address variant: a keyword in the subject or in the body (E511). */
      if (bench_chance (gen, 0.5))
        {
          g_autofree char *with_keyword = g_strdup_printf ("%s (%s)", title,
                                                           PICK (gen, keyword_phrases));
          g_free (title);
          title = g_steal_pointer (&with_keyword);
        }
      else
        extra = PICK (gen, keyword_phrases);
    }

  *out_start_utc = G_MININT64;
  if (kind != BENCH_MAIL_NO_TIMES)
    {
      bench_make_event_times (gen, &times, kind == BENCH_MAIL_GMAIL ? bench_default_zone () : bench_pick_zone (gen));
      *out_start_utc = g_date_time_to_unix (times.start);
    }

  /* The mail was written a few days before the meeting (or just now, without times). */
  if (times.start != NULL)
    {
      g_autoptr(GDateTime) before = g_date_time_add_hours (times.start, -(1 + bench_pick (gen, 240)));

      date = g_date_time_to_timezone (before, bench_get_zone (gen, bench_pick_zone (gen)->iana));
    }
  else
    date = g_date_time_new (bench_get_zone (gen, bench_pick_zone (gen)->iana), 2026, 1 + bench_pick (gen, 12),
                            1 + bench_pick (gen, 28), bench_pick (gen, 24), bench_pick (gen, 60), bench_pick (gen, 60));
  date_text = g_date_time_format (date, "%a, %d %b %Y %H:%M:%S %z");
  boundary = bench_random_token (gen, 24, ALNUM);
  inner = bench_random_token (gen, 24, ALNUM);

  switch (kind)
    {
    case BENCH_MAIL_THUNDERBIRD:
      subject = g_strdup_printf ("Invitation: %s", title);
      break;
    case BENCH_MAIL_GMAIL:
      {
        g_autofree char *when = g_date_time_format (times.start, "%a %b %e, %Y %H:%M");

        subject = g_strdup_printf ("Invitation: %s @ %s (CET) (%s)", title, when,
                                   addressing.from.address);
      }
      break;
    case BENCH_MAIL_OUTLOOK:
    case BENCH_MAIL_BODY:
    case BENCH_MAIL_NO_TIMES:
    case BENCH_N_MAIL_KINDS:
    default:
      subject = g_strdup (title);
      break;
    }

  if (kind == BENCH_MAIL_BODY)
    {
      lines = bench_make_body_lines (gen, &times, times.zone != bench_default_zone () || bench_chance (gen, 0.5));
      if (extra != NULL)
        {
          g_autofree char *both = g_strdup_printf ("%s\n\n%s", extra, lines);

          g_free (lines);
          lines = g_steal_pointer (&both);
        }
      extra = lines;
    }
  body = make_body_text (gen, &addressing.from, extra);

  /* Headers. */
  append_trace_headers (gen, out, &addressing.from, addressing.delivered_to, date);
  switch (kind)
    {
    case BENCH_MAIL_OUTLOOK:
      {
        g_autofree char *token = bench_random_token (gen, 32, "0123456789ABCDEF");

        message_id = g_strdup_printf ("<%s@AM0PR01MB%04d.eurprd01.prod.outlook.com>", token,
                                      bench_pick (gen, 9999));
      }
      break;
    case BENCH_MAIL_GMAIL:
      {
        g_autofree char *token = bench_random_token (gen, 40, ALNUM "=_-");

        message_id = g_strdup_printf ("<CAF%s@mail.gmail.com>", token);
      }
      break;
    case BENCH_MAIL_THUNDERBIRD:
    case BENCH_MAIL_BODY:
    case BENCH_MAIL_NO_TIMES:
    case BENCH_N_MAIL_KINDS:
    default:
      {
        g_autofree char *uuid = bench_random_uuid (gen);

        message_id = g_strdup_printf ("<%s@%s>", uuid, domain);
      }
      break;
    }
  g_string_append_printf (out, "Message-ID: %s" CRLF "Date: %s" CRLF "MIME-Version: 1.0" CRLF,
                          message_id, date_text);
  {
    g_autofree char *from = format_mailbox (gen, &addressing.from);

    g_string_append_printf (out, "From: %s" CRLF, from);
  }
  append_address_header (gen, out, "To", addressing.to);
  if (addressing.cc->len > 0)
    append_address_header (gen, out, "Cc", addressing.cc);
  append_subject (gen, out, subject);
  if (bench_chance (gen, 0.15))
    {
      g_autofree char *parent = bench_random_token (gen, 16, HEX);
      g_autofree char *root = bench_random_token (gen, 16, HEX);

      g_string_append_printf (out, "In-Reply-To: <%s@%s>" CRLF "References: <%s@%s> <%s@%s>" CRLF,
                              parent, domain, root, domain, parent, domain);
    }

  switch (kind)
    {
    case BENCH_MAIL_THUNDERBIRD:
      {
        g_autofree char *ics = bench_make_calendar (gen, kind, &times, &addressing.from, addressing.to,
                                                    title, body, date);

        g_string_append (out, "User-Agent: Mozilla Thunderbird" CRLF "Content-Language: en-US" CRLF);
        g_string_append_printf (out, "Content-Type: multipart/mixed;" CRLF
                                     " boundary=\"------------%s\"" CRLF CRLF
                                     "This is a multi-part message in MIME format." CRLF, boundary);
        g_string_append_printf (out, "--------------%s" CRLF
                                     "Content-Type: multipart/alternative;" CRLF
                                     " boundary=\"------------%s\"" CRLF CRLF, boundary, inner);
        {
          g_autofree char *b = g_strdup_printf ("------------%s", inner);

          append_text_part (out, b, "plain", body, FALSE);
          append_part_header (out, b, "text/calendar; charset=UTF-8; method=REQUEST", "8bit", NULL);
          g_string_append (out, ics);
          g_string_append_printf (out, CRLF "--%s--" CRLF, b);
        }
        g_string_append_printf (out, "--------------%s" CRLF
                                     "Content-Type: application/ics; name=\"invite.ics\"" CRLF
                                     "Content-Disposition: attachment; filename=\"invite.ics\"" CRLF
                                     "Content-Transfer-Encoding: base64" CRLF CRLF, boundary);
        bench_append_base64 (out, ics, strlen (ics));
        g_string_append_printf (out, CRLF "--------------%s--" CRLF, boundary);
      }
      break;

    case BENCH_MAIL_OUTLOOK:
      {
        g_autofree char *ics = bench_make_calendar (gen, kind, &times, &addressing.from, addressing.to,
                                                    title, body, date);
        g_autofree char *html = bench_make_html (body);
        g_autofree char *b = g_strdup_printf ("_000_%s_", boundary);

        g_autofree char *index = bench_random_token (gen, 26, BASE64);

        g_string_append_printf (out, "Thread-Topic: %s" CRLF "Thread-Index: Ad%s==" CRLF
                                     "Accept-Language: en-US" CRLF "Content-Language: en-US" CRLF
                                     "X-MS-Has-Attach:" CRLF "X-MS-TNEF-Correlator:" CRLF,
                                bench_is_ascii (title) ? title : "Meeting", index);
        g_string_append_printf (out, "Content-Type: multipart/alternative;" CRLF
                                     "\tboundary=\"%s\"" CRLF CRLF, b);
        append_text_part (out, b, "plain", body, TRUE);
        append_text_part (out, b, "html", html, TRUE);
        append_part_header (out, b, "text/calendar; charset=\"utf-8\"; method=REQUEST", "base64",
                            NULL);
        bench_append_base64 (out, ics, strlen (ics));
        g_string_append_printf (out, CRLF "--%s--" CRLF, b);
      }
      break;

    case BENCH_MAIL_GMAIL:
      {
        g_autofree char *ics = bench_make_calendar (gen, kind, &times, &addressing.from, addressing.to,
                                                    title, body, date);
        g_autofree char *html = bench_make_html (body);

        g_string_append_printf (out, "Content-Type: multipart/mixed; boundary=\"0000%s\"" CRLF CRLF,
                                boundary);
        g_string_append_printf (out, "--0000%s" CRLF
                                     "Content-Type: multipart/alternative; boundary=\"0000%s\"" CRLF
                                     CRLF, boundary, inner);
        {
          g_autofree char *b = g_strdup_printf ("0000%s", inner);

          append_text_part (out, b, "plain", body, FALSE);
          append_text_part (out, b, "html", html, TRUE);
          append_part_header (out, b, "text/calendar; charset=\"UTF-8\"; method=REQUEST", "7bit",
                              NULL);
          g_string_append (out, ics);
          g_string_append_printf (out, "--%s--" CRLF, b);
        }
        g_string_append_printf (out, "--0000%s" CRLF
                                     "Content-Type: application/ics; name=\"invite.ics\"" CRLF
                                     "Content-Disposition: attachment; filename=\"invite.ics\"" CRLF
                                     "Content-Transfer-Encoding: base64" CRLF CRLF, boundary);
        bench_append_base64 (out, ics, strlen (ics));
        g_string_append_printf (out, "--0000%s--" CRLF, boundary);
      }
      break;

    case BENCH_MAIL_BODY:
    case BENCH_MAIL_NO_TIMES:
    case BENCH_N_MAIL_KINDS:
    default:
      g_string_append_printf (out, "User-Agent: %s" CRLF,
                              bench_pick (gen, 2) ? "Mutt/2.2.9 (2022-11-12)"
                                            : "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) "
                                              "Gecko/20100101 Thunderbird/115.5.0");
      if (bench_chance (gen, 0.5))
        {
          g_autofree char *html = bench_make_html (body);

          g_string_append_printf (out, "Content-Type: multipart/alternative; boundary=\"%s\"" CRLF
                                       CRLF, boundary);
          append_text_part (out, boundary, "plain", body, FALSE);
          append_text_part (out, boundary, "html", html, TRUE);
          g_string_append_printf (out, "--%s--" CRLF, boundary);
        }
      else if (bench_is_ascii (body))
        {
          g_string_append (out, "Content-Type: text/plain; charset=us-ascii" CRLF
                                "Content-Transfer-Encoding: 7bit" CRLF CRLF);
          bench_append_lines (out, body);
        }
      else
        {
          g_string_append (out, "Content-Type: text/plain; charset=utf-8" CRLF
                                "Content-Transfer-Encoding: quoted-printable" CRLF CRLF);
          bench_append_quoted_printable (out, body);
        }
      break;
    }

  addressing_clear (&addressing);
  bench_event_times_clear (&times);
  gen->serial++;
  return g_string_free_to_bytes (out);
}

const char *
bench_mail_kind_name (BenchMailKind kind)
{
  static const char * const names[] = { "thunderbird", "outlook", "gmail", "body", "none" };

  g_return_val_if_fail (kind < BENCH_N_MAIL_KINDS, NULL);
  return names[kind];
}

/**
 * bench_corpus_generate:
 * @n_mails: how many mails
 * @seed: the GRand seed: the same seed gives the same corpus
 * @manager_zone: the manager's zone (tests/data/manager.ini), for in-body times without a zone
 */
BenchCorpus *
bench_corpus_generate (guint       n_mails,
                       guint32     seed,
                       const char *manager_zone)
{
  BenchCorpus *corpus = g_new0 (BenchCorpus, 1);
  Generator gen = { 0 };

  gen.rand = g_rand_new_with_seed (seed);
  gen.zone_cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) g_time_zone_unref);
  gen.manager_zone = bench_get_zone (&gen, manager_zone);
  /* The body lines without a zone are in the manager's zone: the default zone must be it. */
  g_assert (g_str_equal (bench_default_zone ()->iana, manager_zone));

  corpus->mails = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  corpus->kinds = g_array_sized_new (FALSE, FALSE, sizeof (BenchMailKind), n_mails);
  corpus->starts = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_mails);
  for (guint i = 0; i < n_mails; i++)
    {
      /* 2/6 Thunderbird, then 1/6 each: Outlook, Gmail, body lines, none. */
      static const BenchMailKind sixths[] = {
        BENCH_MAIL_THUNDERBIRD, BENCH_MAIL_THUNDERBIRD, BENCH_MAIL_OUTLOOK, BENCH_MAIL_GMAIL,
        BENCH_MAIL_BODY, BENCH_MAIL_NO_TIMES,
      };
      BenchMailKind kind = sixths[g_rand_int_range (gen.rand, 0, G_N_ELEMENTS (sixths))];
      gint64 start = 0;
      GBytes *mail = generate_mail (&gen, kind, &start);

      corpus->n_kind[kind]++;
      g_array_append_val (corpus->kinds, kind);
      g_array_append_val (corpus->starts, start);
      if (kind != BENCH_MAIL_NO_TIMES)
        {
          corpus->n_with_times++;
          corpus->start_sum += start;
        }
      corpus->total_bytes += g_bytes_get_size (mail);
      g_ptr_array_add (corpus->mails, mail);
    }

  g_hash_table_unref (gen.zone_cache);
  g_rand_free (gen.rand);
  return corpus;
}

void
bench_corpus_free (BenchCorpus *corpus)
{
  if (corpus == NULL)
    return;
  g_clear_pointer (&corpus->mails, g_ptr_array_unref);
  g_clear_pointer (&corpus->kinds, g_array_unref);
  g_clear_pointer (&corpus->starts, g_array_unref);
  g_free (corpus);
}

/**
 * bench_corpus_write:
 * @directory: an existing directory
 *
 * Writes the mails as `00000-thunderbird.eml`, `00001-gmail.eml`… for the peer (the kind in the
 * name lets it print its time per kind too).
 */
gboolean
bench_corpus_write (BenchCorpus  *corpus,
                    const char   *directory,
                    GError      **error)
{
  for (guint i = 0; i < corpus->mails->len; i++)
    {
      GBytes *mail = g_ptr_array_index (corpus->mails, i);
      BenchMailKind kind = g_array_index (corpus->kinds, BenchMailKind, i);
      g_autofree char *name = g_strdup_printf ("%05u-%s.eml", i, bench_mail_kind_name (kind));
      g_autofree char *path = g_build_filename (directory, name, NULL);
      gsize len = 0;
      const char *data = g_bytes_get_data (mail, &len);

      if (!g_file_set_contents (path, data, len, error))
        return FALSE;
    }
  return TRUE;
}

