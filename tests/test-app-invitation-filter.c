/* test-app-invitation-filter.c — which mail the watcher takes as an invitation (E450)
 *
 * The mails are real invitations made by cnv_invitation_build(), written out with CRLF as they
 * travel and read back as the watcher reads them, then altered as a forger would alter them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-invitation-filter.h"

#define SESSION_ID "q7Hk2_x-9"
#define TOKEN "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"
#define LINK "https://join.example.test/s/" SESSION_ID "?t=" TOKEN
#define MANAGER "videoconference@example.test"
#define USER "bob@example.test"
#define TRUSTED "mx.example.test"

/* Helpers ----------------------------------------------------------------------------------- */

static CnvAddress *
address (const char *name,
         const char *addr)
{
  g_autoptr(GError) error = NULL;
  CnvAddress *result = cnv_address_new (name, addr, &error);

  g_assert_no_error (error);
  return result;
}

/* The manager's invitation of bob to alice's session, as cnv-manager-outbox.c makes it. */
static CnvInvitation *
make_invitation (const char          *manager,
                 CnvInvitationMethod  method)
{
  CnvInvitation *invitation = cnv_invitation_new ();
  g_autoptr(CnvAddress) alice = address ("Alice Example", "alice@example.test");
  g_autoptr(CnvAddress) bob = address ("Bob Builder", USER);
  g_autoptr(CnvAddress) carol = address (NULL, "carol@example.test");
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 12, 1, 13, 0, 0);
  g_autoptr(GDateTime) end = g_date_time_new_utc (2026, 12, 1, 14, 30, 0);

  cnv_invitation_set_method (invitation, method);
  cnv_invitation_set_session_id (invitation, SESSION_ID);
  cnv_invitation_set_session_type (invitation, "videoconference");
  cnv_invitation_set_uid (invitation, "uid-1@example.test");
  cnv_invitation_set_sequence (invitation, method == CNV_INVITATION_METHOD_CANCEL ? 2 : 1);
  cnv_invitation_set_title (invitation, "Weekly sync");
  cnv_invitation_set_times (invitation, start, end);
  cnv_invitation_set_link (invitation, LINK);
  cnv_invitation_set_organizer (invitation, alice);
  cnv_invitation_set_manager_address (invitation, manager);
  cnv_invitation_set_recipient (invitation, bob);
  cnv_invitation_add_participant (invitation, alice);
  cnv_invitation_add_participant (invitation, bob);
  cnv_invitation_add_participant (invitation, carol);
  return invitation;
}

/* The built mail as it travels: CRLF line ends. */
static char *
build_text (const char          *manager,
            CnvInvitationMethod  method)
{
  g_autoptr(CnvInvitation) invitation = make_invitation (manager, method);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMimeMessage) message = cnv_invitation_build (invitation, &error);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new ();
  GMimeFormatOptions *options = g_mime_format_options_clone (NULL);
  GByteArray *array;

  g_assert_no_error (error);
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_assert_cmpint (g_mime_object_write_to_stream (GMIME_OBJECT (message), options, stream), >, 0);
  g_mime_format_options_free (options);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_strndup ((const char *) array->data, array->len);
}

/* @text with its (unfolded, single) header @name given @value. */
static char *
replace_header (const char *text,
                const char *name,
                const char *value)
{
  g_autofree char *prefix = g_strconcat ("\r\n", name, ": ", NULL);
  const char *start = strstr (text, prefix);
  const char *end;

  g_assert_nonnull (start);
  start += 2;
  end = strstr (start, "\r\n");
  g_assert_nonnull (end);
  g_assert_true (end[2] != ' ' && end[2] != '\t');
  return g_strdup_printf ("%.*s%s: %s%s", (int) (start - text), text, name, value, end);
}

/* NULL only when gmime reads no message at all: then the watcher has nothing to filter. */
static GMimeMessage *
try_read_message (const char *data,
                  gsize       len)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);

  return g_mime_parser_construct_message (parser, NULL);
}

static GMimeMessage *
read_message (const char *data,
              gsize       len)
{
  GMimeMessage *message = try_read_message (data, len);

  g_assert_nonnull (message);
  return message;
}

static GPtrArray *
default_entries (void)
{
  return cnv_session_type_entries_defaults (USER);
}

/* What the watcher does with @text: parse, then filter. */
static CnvInvitationVerdict
filter_full (const char                 *text,
             gsize                       len,
             GPtrArray                  *entries,
             const char                 *user,
             const char                 *trusted,
             const CnvSessionTypeEntry **entry,
             char                      **reason)
{
  g_autoptr(GMimeMessage) message = read_message (text, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvInvitation) invitation = cnv_invitation_parse (message, &error);

  g_assert_true ((invitation == NULL) != (error == NULL));
  return cnv_invitation_filter (message, invitation, error, entries, user, trusted, entry, reason);
}

/* A log sentence: one valid UTF-8 line without control characters, of bounded size. */
static void
assert_clean_reason (const char *reason)
{
  g_assert_nonnull (reason);
  g_assert_true (g_utf8_validate (reason, -1, NULL));
  g_assert_cmpuint (strlen (reason), <, 1024);
  for (const char *p = reason; *p; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

static void
assert_verdict (const char           *text,
                GPtrArray            *entries,
                const char           *user,
                const char           *trusted,
                CnvInvitationVerdict  expected,
                const char           *in_reason)
{
  const CnvSessionTypeEntry *entry = NULL;
  g_autofree char *reason = NULL;
  CnvInvitationVerdict verdict = filter_full (text, strlen (text), entries, user, trusted,
                                              &entry, &reason);

  g_test_message ("verdict %d: %s", verdict, reason);
  assert_clean_reason (reason);
  g_assert_cmpint (verdict, ==, expected);
  if (expected == CNV_INVITATION_VERDICT_ACCEPT)
    g_assert_nonnull (entry);
  else
    g_assert_null (entry);
  if (in_reason != NULL)
    g_assert_nonnull (strstr (reason, in_reason));
}

static char *
with_headers (const char *text,
              const char *headers)
{
  return g_strconcat (headers, text, NULL);
}

/* Tests ------------------------------------------------------------------------------------- */

static void
test_accepted (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autoptr(GMimeMessage) message = read_message (text, strlen (text));
  g_autoptr(GPtrArray) entries = default_entries ();
  const CnvSessionTypeEntry *entry = NULL;
  g_autofree char *reason = NULL;

  g_assert_cmpint (filter_full (text, strlen (text), entries, USER, NULL, &entry, &reason), ==,
                   CNV_INVITATION_VERDICT_ACCEPT);
  g_assert_true (entry == g_ptr_array_index (entries, 0));
  g_assert_cmpstr (entry->address, ==, MANAGER);
  g_assert_nonnull (strstr (reason, "an invitation of session " SESSION_ID " from " MANAGER));
  g_assert_nonnull (strstr (reason, "not checked"));

  /* The user's address in any spelling; no invitation and no error is no invitation. */
  assert_verdict (text, entries, "Bob@Example.TEST", NULL, CNV_INVITATION_VERDICT_ACCEPT, NULL);
  g_assert_cmpint (cnv_invitation_filter (message, NULL, NULL, entries, USER, NULL, NULL, NULL), ==,
                   CNV_INVITATION_VERDICT_NOT_AN_INVITATION);
}

static void
test_cancel (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_CANCEL);
  g_autofree char *forged = replace_header (text, "From", "mallory@evil.test");
  g_autofree char *failed = with_headers (text, "Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.test\r\n");
  g_autoptr(GPtrArray) entries = default_entries ();

  assert_verdict (text, entries, USER, NULL, CNV_INVITATION_VERDICT_ACCEPT,
                  "a cancellation of session " SESSION_ID);
  /* A forged cancel withdraws nothing. */
  assert_verdict (forged, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER, NULL);
  assert_verdict (failed, entries, USER, TRUSTED, CNV_INVITATION_VERDICT_NOT_AUTHENTIC, NULL);
}

static void
test_forged_from (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autofree char *forged = replace_header (text, "From", "mallory@evil.test");
  g_autofree char *named = replace_header (text, "From", "\"" MANAGER "\" <mallory@evil.test>");
  g_autofree char *two = replace_header (text, "From", MANAGER ", mallory@evil.test");
  g_autofree char *group = replace_header (text, "From", "Managers: " MANAGER ";");
  g_autofree char *other = replace_header (text, "From", "whiteboard@example.test");
  g_autoptr(GPtrArray) entries = default_entries ();

  /* Their calendars still say SENT-BY the manager: the parser refuses them, and the filter names
   * the sender first. */
  assert_verdict (forged, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "from mallory@evil.test, which is not a configured manager address");
  assert_verdict (named, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "mallory@evil.test");
  assert_verdict (two, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "names 2 addresses");
  assert_verdict (group, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER, "a group");
  /* Another configured manager sent a calendar that names the first one. */
  assert_verdict (other, entries, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION,
                  "not a valid invitation");
}

static void
test_manager_mismatch (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autofree char *other = replace_header (text, "From", "whiteboard@example.test");
  g_autoptr(GMimeMessage) original = read_message (text, strlen (text));
  g_autoptr(GMimeMessage) message = read_message (other, strlen (other));
  g_autoptr(CnvInvitation) invitation = cnv_invitation_parse (original, NULL);
  g_autoptr(GPtrArray) entries = default_entries ();
  const CnvSessionTypeEntry *entry = NULL;
  g_autofree char *reason = NULL;

  /* The invitation names one manager, the mail comes from another, though both are trusted. */
  g_assert_nonnull (invitation);
  g_assert_cmpint (cnv_invitation_filter (message, invitation, NULL, entries, USER, NULL, &entry,
                                          &reason), ==, CNV_INVITATION_VERDICT_MANAGER_MISMATCH);
  g_assert_null (entry);
  g_assert_cmpstr (reason, ==, "the mail is from whiteboard@example.test but the invitation names the manager " MANAGER);
}

static void
test_unknown_manager (void)
{
  g_autofree char *text = build_text ("videoconference@other.test", CNV_INVITATION_METHOD_REQUEST);
  g_autoptr(GPtrArray) entries = default_entries ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();

  assert_verdict (text, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER,
                  "videoconference@other.test");
  assert_verdict (text, none, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER, NULL);
  assert_verdict (text, NULL, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER, NULL);
}

static void
test_normalisation (void)
{
  g_autofree char *text = build_text ("videoconference@xn--bcher-kva.example", CNV_INVITATION_METHOD_REQUEST);
  g_autofree char *upper = replace_header (text, "From", "Video <VideoConference@XN--BCHER-KVA.Example>");
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_type_entry_free);
  const CnvSessionTypeEntry *entry = NULL;
  g_autofree char *reason = NULL;

  /* Entered by hand, in Unicode and mixed case. */
  g_ptr_array_add (entries, cnv_session_type_entry_new ("Whiteboard", "whiteboard@bücher.example",
                                                        NULL, NULL, NULL));
  g_ptr_array_add (entries, cnv_session_type_entry_new ("Video", "VideoConference@BÜCHER.example",
                                                        NULL, NULL, NULL));
  g_assert_cmpint (filter_full (text, strlen (text), entries, USER, NULL, &entry, &reason), ==,
                   CNV_INVITATION_VERDICT_ACCEPT);
  g_assert_cmpstr (entry->name, ==, "Video");
  assert_verdict (upper, entries, USER, NULL, CNV_INVITATION_VERDICT_ACCEPT, NULL);
}

static void
test_not_for_user (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autofree char *no_to = replace_header (text, "To", "undisclosed-recipients:;");
  g_autoptr(GPtrArray) entries = default_entries ();

  /* Carol is an attendee, but this copy carries Bob's personal link. */
  assert_verdict (text, entries, "carol@example.test", NULL, CNV_INVITATION_VERDICT_NOT_FOR_USER,
                  "addressed to " USER ", not to carol@example.test");
  assert_verdict (text, entries, "dave@example.test", NULL, CNV_INVITATION_VERDICT_NOT_FOR_USER, NULL);
  assert_verdict (text, entries, "not an address", NULL, CNV_INVITATION_VERDICT_NOT_FOR_USER, NULL);
  assert_verdict (text, entries, NULL, NULL, CNV_INVITATION_VERDICT_NOT_FOR_USER, NULL);
  assert_verdict (no_to, entries, USER, NULL, CNV_INVITATION_VERDICT_NOT_FOR_USER, "nobody");
}

static void
test_authentication (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autoptr(GPtrArray) entries = default_entries ();
  struct
  {
    const char           *headers;
    CnvInvitationVerdict  expected;
    const char           *in_reason;
  } cases[] = {
    { "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_ACCEPT, "DMARC pass for example.test" },
    { "Authentication-Results: " TRUSTED "; dmarc=fail (p=reject) header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "DMARC fail for header.from=example.test" },
    { "Authentication-Results: " TRUSTED "; spf=pass smtp.mailfrom=example.test;\r\n"
      " dkim=pass header.d=example.test header.s=mail\r\n",
      CNV_INVITATION_VERDICT_ACCEPT, "DKIM pass for example.test, aligned" },
    { "Authentication-Results: " TRUSTED "; dkim=pass header.d=mail.example.test\r\n",
      CNV_INVITATION_VERDICT_ACCEPT, "aligned" },
    { "Authentication-Results: " TRUSTED "; dkim=pass header.d=evil.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "not aligned" },
    { "Authentication-Results: " TRUSTED "; dkim=fail header.d=example.test; spf=pass smtp.mailfrom=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "no passing DKIM" },
    /* The sender's own header, above or below the server's, changes nothing (RFC 8601 §5). */
    { "Authentication-Results: mx.evil.test; dmarc=pass header.from=example.test\r\n"
      "Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "DMARC fail" },
    { "Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.test\r\n"
      "Authentication-Results: mx.evil.test; dmarc=pass header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "DMARC fail" },
    { "Authentication-Results: mx.evil.test; dmarc=pass header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "no Authentication-Results from " TRUSTED },
    /* A sender's forged stamp of the trusted id below the server's real one loses. */
    { "Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.test\r\n"
      "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "DMARC fail" },
    { "Authentication-Results: MX.Example.TEST; dmarc=pass header.from=example.test\r\n",
      CNV_INVITATION_VERDICT_ACCEPT, NULL },
    { "Authentication-Results: " TRUSTED "; dmarc=pass header.from=evil.test\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "not for the From domain" },
    { "Authentication-Results: " TRUSTED "; dmarc=pass \x1b[31mheader.from=\r\n",
      CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "cannot be read" },
    /* Decided: with a trusted id, no stamp of it is a failure (see cnv-invitation-filter.c). */
    { "", CNV_INVITATION_VERDICT_NOT_AUTHENTIC, "no Authentication-Results from " TRUSTED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stamped = with_headers (text, cases[i].headers);

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      assert_verdict (stamped, entries, USER, TRUSTED, cases[i].expected, cases[i].in_reason);
      /* Without a trusted id, nobody's header is believed or held against the mail. */
      assert_verdict (stamped, entries, USER, NULL, CNV_INVITATION_VERDICT_ACCEPT, NULL);
      assert_verdict (stamped, entries, USER, "", CNV_INVITATION_VERDICT_ACCEPT, NULL);
    }
}

static void
test_garbage (void)
{
  g_autofree char *text = build_text (MANAGER, CNV_INVITATION_METHOD_REQUEST);
  g_autoptr(GPtrArray) entries = default_entries ();
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autoptr(GString) long_from = g_string_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (6450);
  guchar noise[4096];
  const char *hostile[] = {
    "\r\n\r\n",
    "From: " MANAGER "\r\nTo: " USER "\r\nSubject: hello\r\n\r\nNo invitation.\r\n",
    "From: " MANAGER "\r\nTo: " USER "\r\nX-Convene-Session: " SESSION_ID "\r\nX-Convene-Type: videoconference\r\n"
    "Content-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\n\x1b]0;owned\x07\r\n",
    "From: \x1b[2J\xff\xfe evil\r\n@evil.test\r\nX-Convene-Session: " SESSION_ID "\r\n\r\n",
  };

  g_assert_null (try_read_message ("", 0));
  for (gsize i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      const CnvSessionTypeEntry *entry = NULL;
      g_autofree char *reason = NULL;
      CnvInvitationVerdict verdict = filter_full (hostile[i], strlen (hostile[i]), entries, USER,
                                                  TRUSTED, &entry, &reason);

      g_test_message ("hostile %" G_GSIZE_FORMAT ": %d %s", i, verdict, reason);
      g_assert_cmpint (verdict, !=, CNV_INVITATION_VERDICT_ACCEPT);
      g_assert_null (entry);
      assert_clean_reason (reason);
    }

  for (guint round = 0; round < 64; round++)
    {
      g_autoptr(GMimeMessage) message = NULL;
      g_autoptr(CnvInvitation) invitation = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *reason = NULL;

      for (gsize i = 0; i < sizeof noise; i++)
        noise[i] = (guchar) g_rand_int_range (rand, 0, 256);
      message = try_read_message ((const char *) noise, sizeof noise);
      if (message == NULL)
        continue;
      invitation = cnv_invitation_parse (message, &error);
      g_assert_null (invitation);
      g_assert_cmpint (cnv_invitation_filter (message, NULL, error, entries, USER, NULL, NULL,
                                              &reason), !=, CNV_INVITATION_VERDICT_ACCEPT);
      assert_clean_reason (reason);
    }

  /* A From of ten thousand characters with control characters, on a real invitation. */
  g_string_append (long_from, "\"");
  for (guint i = 0; i < 10000; i++)
    g_string_append (long_from, i % 7 == 0 ? "\x1b" : "x");
  g_string_append (long_from, "\" <");
  for (guint i = 0; i < 10000; i++)
    g_string_append_c (long_from, 'a' + i % 26);
  g_string_append (long_from, "@evil.test>");
  {
    g_autofree char *forged = replace_header (text, "From", long_from->str);

    assert_verdict (forged, entries, USER, NULL, CNV_INVITATION_VERDICT_UNKNOWN_SENDER, NULL);
  }

  /* An invitation padded to 24 MiB is refused without reading it as one. */
  g_string_append (huge, text);
  g_string_truncate (huge, strstr (huge->str, "\r\n\r\n") + 4 - huge->str);
  g_string_append (huge, "--x\r\n");
  while (huge->len < 24 * 1024 * 1024)
    g_string_append (huge, "BEGIN:VCALENDAR\r\nX-PAD:0123456789012345678901234567890123456789\r\n");
  assert_verdict (huge->str, entries, USER, NULL, CNV_INVITATION_VERDICT_NOT_AN_INVITATION, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/app/invitation-filter/accepted", test_accepted);
  g_test_add_func ("/app/invitation-filter/cancel", test_cancel);
  g_test_add_func ("/app/invitation-filter/forged-from", test_forged_from);
  g_test_add_func ("/app/invitation-filter/manager-mismatch", test_manager_mismatch);
  g_test_add_func ("/app/invitation-filter/unknown-manager", test_unknown_manager);
  g_test_add_func ("/app/invitation-filter/normalisation", test_normalisation);
  g_test_add_func ("/app/invitation-filter/not-for-user", test_not_for_user);
  g_test_add_func ("/app/invitation-filter/authentication", test_authentication);
  g_test_add_func ("/app/invitation-filter/garbage", test_garbage);
  return g_test_run ();
}
