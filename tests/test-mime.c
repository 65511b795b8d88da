/* test-mime.c — the gmime helpers: subjects and names that read back as they were written, and
 * the repair of gmime 3.2.13's decoding of adjacent base64 encoded-words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-mime.h"

static GMimeMessage *
parse_text (const char *text)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

static char *
to_text (GMimeMessage *message)
{
  return g_mime_object_to_string (GMIME_OBJECT (message), NULL);
}

static void
test_repair_header (void)
{
  static const struct {
    const char *raw;
    const char *repaired;
  } cases[] = {
    { "=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=", "=?UTF-8?Q?Hello?= =?UTF-8?Q?_world?=" },
    { " plain\r\n text\r\n", " plain text" },
    { "=?iso-8859-1?b?Wm/r?=", "=?iso-8859-1?Q?Zo=EB?=" },
    /* Not encoded-words: left alone. */
    { "=?", "=?" },
    { "=?UTF-8?B?no end", "=?UTF-8?B?no end" },
    { "=??B?SGk=?=", "=??B?SGk=?=" },
    { "=?UTF-8?B?not base64!?=", "=?UTF-8?B?not base64!?=" },
    { "=?UTF-8?Q?already_q?=", "=?UTF-8?Q?already_q?=" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *repaired = cnv_mime_repair_header (cases[i].raw);

      g_assert_cmpstr (repaired, ==, cases[i].repaired);
    }
}

/* gmime issue #133: without the repair, Debian 12's gmime reads only "Hello". */
static void
test_subject_adjacent_base64 (void)
{
  g_autoptr(GMimeMessage) message = parse_text ("From: a@example.test\n"
                                                "Subject: =?UTF-8?B?SGVsbG8=?=\n =?UTF-8?B?IHdvcmxk?=\n\nx\n");
  g_autofree char *subject = cnv_mime_get_subject (message);

  g_assert_cmpstr (subject, ==, "Hello world");
}

static void
test_names_adjacent_base64 (void)
{
  /* How gmime itself (and Thunderbird) fold a long CJK name: two padded base64 words. */
  g_autoptr(GMimeMessage) message = parse_text ("From: =?UTF-8?b?5bGx55SwIOWkqumDjiAo5Za25qWt6YOoIOadseS6rOacrOekvg==?=\n"
                                                "\t=?UTF-8?b?IOesrOS6jOiqsik=?= <taro@example.test>\n"
                                                "To: a@example.test, b@example.test\nTo: c@example.test\n\nx\n");
  g_autoptr(InternetAddressList) from = cnv_mime_get_addresses (message, "From");
  g_autoptr(InternetAddressList) to = cnv_mime_get_addresses (message, "To");

  g_assert_cmpint (internet_address_list_length (from), ==, 1);
  g_assert_cmpstr (internet_address_get_name (internet_address_list_get_address (from, 0)), ==,
                   "山田 太郎 (営業部 東京本社 第二課)");
  /* Every To header counts. */
  g_assert_cmpint (internet_address_list_length (to), ==, 3);
}

static void
test_subject_round_trip (void)
{
  static const char * const subjects[] = {
    "Weekly sync",
    "Réunion d'équipe",
    "=?UTF-8?B?QmNjOiBldmlsQHg=?=",
    "=?éééééééééééééééééééé",
    "a =? b ?= c",
    "山田 太郎 (営業部 東京本社 第二課) — a long subject that needs folding across several lines",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (subjects); i++)
    {
      g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
      g_autoptr(GMimeTextPart) body = g_mime_text_part_new ();
      g_autoptr(GMimeMessage) back = NULL;
      g_autofree char *text = NULL;
      g_autofree char *subject = NULL;

      g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL, "a@example.test");
      cnv_mime_set_subject (message, subjects[i]);
      g_mime_message_set_mime_part (message, GMIME_OBJECT (body));
      text = to_text (message);
      /* Header lines stay within RFC 5322's 78 characters when the text allows. */
      {
        g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

        for (guint l = 0; lines[l] != NULL; l++)
          g_assert_cmpuint (strlen (lines[l]), <=, 78);
      }
      back = parse_text (text);
      subject = cnv_mime_get_subject (back);
      g_assert_cmpstr (subject, ==, subjects[i]);
    }
}

static void
test_name_looks_encoded (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_address_free);
  g_autoptr(InternetAddressList) gm = NULL;
  g_autoptr(GMimeMessage) message = g_mime_message_new (TRUE);
  g_autoptr(GMimeMessage) back = NULL;
  g_autoptr(InternetAddressList) to = NULL;
  g_autoptr(GPtrArray) parsed = NULL;
  g_autofree char *text = NULL;

  g_ptr_array_add (list, cnv_address_new ("=? Zoë", "zoe@example.test", NULL));
  g_ptr_array_add (list, cnv_address_new ("=?UTF-8?B?QmNjOiBldmlsQHg=?=", "x@example.test", NULL));
  gm = cnv_address_list_to_gmime (list);
  internet_address_list_append (g_mime_message_get_to (message), gm);
  g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_FROM, NULL, "a@example.test");
  text = to_text (message);
  back = parse_text (text);
  to = cnv_mime_get_addresses (back, "To");
  parsed = cnv_address_list_from_gmime (to, NULL);
  g_assert_cmpuint (parsed->len, ==, 2);
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (parsed, 0))->name, ==, "=? Zoë");
  g_assert_cmpstr (((CnvAddress *) g_ptr_array_index (parsed, 1))->name, ==, "=?UTF-8?B?QmNjOiBldmlsQHg=?=");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/engine/mime/repair-header", test_repair_header);
  g_test_add_func ("/engine/mime/subject/adjacent-base64", test_subject_adjacent_base64);
  g_test_add_func ("/engine/mime/names/adjacent-base64", test_names_adjacent_base64);
  g_test_add_func ("/engine/mime/subject/round-trip", test_subject_round_trip);
  g_test_add_func ("/engine/mime/names/looks-encoded", test_name_looks_encoded);

  return g_test_run ();
}
