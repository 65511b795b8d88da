/* test-manager-policy.c — the Authentication-Results parser, the sender check against the
 * trusted server's verdict, and the recognition of mail written by programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "cnv-engine.h"
#include "cnv-manager-policy.h"

#define TRUSTED "mx.example.test"

/* The results in one line: `method=result reason="…" prop prop; …`, or "none". */
static char *
describe (CnvAuthResults *results)
{
  GString *out = g_string_new (NULL);

  if (results->results->len == 0)
    g_string_append (out, "none");
  for (guint i = 0; i < results->results->len; i++)
    {
      CnvAuthResult *result = g_ptr_array_index (results->results, i);

      if (i > 0)
        g_string_append (out, "; ");
      g_string_append_printf (out, "%s=%s", result->method, result->result);
      if (result->reason != NULL)
        g_string_append_printf (out, " reason=\"%s\"", result->reason);
      g_assert_nonnull (result->properties);
      for (char **p = result->properties; *p != NULL; p++)
        g_string_append_printf (out, " %s", *p);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  const char *name;
  const char *value;
  const char *authserv_id;
  const char *expected;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "gmail",
    "mx.google.com;\r\n"
    "       dkim=pass header.i=@example.org header.s=20230601 header.b=\"Kx0/3vy+\";\r\n"
    "       spf=pass (google.com: domain of alice@example.org designates 209.85.220.41 as permitted sender) smtp.mailfrom=alice@example.org;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.org\r\n",
    "mx.google.com",
    "dkim=pass header.i=@example.org header.s=20230601 header.b=Kx0/3vy+; "
    "spf=pass smtp.mailfrom=alice@example.org; dmarc=pass header.from=example.org" },
  { "gmail-unquoted-base64",
    " mx.google.com; dkim=pass header.i=@example.org header.s=20230601 header.b=Ab+c/9Dx;"
    " arc=pass (i=1 spf=pass spfdomain=example.org dkim=pass dkdomain=example.org dmarc=pass fromdomain=example.org);"
    " spf=pass (google.com: domain of alice@example.org designates 2a00:1450::1 as permitted sender) smtp.mailfrom=alice@example.org;"
    " dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org",
    "mx.google.com",
    "dkim=pass header.i=@example.org header.s=20230601 header.b=Ab+c/9Dx; arc=pass; "
    "spf=pass smtp.mailfrom=alice@example.org; dmarc=pass header.from=example.org" },
  /* Microsoft 365 writes no authserv-id, and no space after some ";". */
  { "microsoft-365",
    "spf=pass (sender IP is 1.2.3.4)\r\n smtp.mailfrom=example.org; dkim=pass (signature was verified)\r\n"
    " header.d=example.org;dmarc=pass action=none\r\n header.from=example.org;compauth=pass reason=100",
    "",
    "spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; "
    "dmarc=pass action=none header.from=example.org; compauth=pass reason=\"100\"" },
  { "microsoft-365-fail",
    "spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=example.org; dkim=none (message not signed)"
    " header.d=none;dmarc=fail action=oreject header.from=example.org;compauth=fail reason=000",
    "",
    "spf=fail smtp.mailfrom=example.org; dkim=none header.d=none; "
    "dmarc=fail action=oreject header.from=example.org; compauth=fail reason=\"000\"" },
  { "opendmarc",
    "mail.example.net; dmarc=fail (p=reject dis=none) header.from=example.org",
    "mail.example.net",
    "dmarc=fail header.from=example.org" },
  { "opendkim",
    "mail.example.net;\n\tdkim=pass (2048-bit key; unprotected) header.d=example.org header.i=@example.org"
    " header.a=rsa-sha256 header.s=mail header.b=\"AbC/+12x\";\n\tdkim-atps=neutral\n",
    "mail.example.net",
    "dkim=pass header.d=example.org header.i=@example.org header.a=rsa-sha256 header.s=mail header.b=AbC/+12x; "
    "dkim-atps=neutral" },
  /* Fastmail: ptype-less properties (x-bits=2048), "_" in names, "256/256" unquoted. */
  { "fastmail",
    "mx6.messagingengine.com;\r\n"
    "    dkim=pass (2048-bit rsa key sha256) header.d=example.org header.i=@example.org header.b=AbCdEfGh header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n"
    "    dmarc=pass policy.published-domain-policy=none policy.applied-disposition=none policy.evaluated-disposition=none (p=none,d=none,d.eval=none) policy.policy-from=p header.from=example.org;\r\n"
    "    iprev=pass smtp.remote-ip=192.0.2.1 (mail.example.org);\r\n"
    "    spf=pass smtp.mailfrom=alice@example.org smtp.helo=mail.example.org;\r\n"
    "    x-aligned-from=pass (Address match);\r\n"
    "    x-me-sender=none;\r\n"
    "    x-return-mx=pass header.domain=example.org policy.is_org=yes (MX Records found: mx1.example.org);\r\n"
    "    x-tls=pass smtp.version=TLSv1.3 smtp.cipher=TLS_AES_256_GCM_SHA384 smtp.bits=256/256;\r\n"
    "    x-vs=clean score=-100 state=0\r\n",
    "mx6.messagingengine.com",
    "dkim=pass header.d=example.org header.i=@example.org header.b=AbCdEfGh header.a=rsa-sha256 header.s=fm1 x-bits=2048; "
    "dmarc=pass policy.published-domain-policy=none policy.applied-disposition=none policy.evaluated-disposition=none "
    "policy.policy-from=p header.from=example.org; iprev=pass smtp.remote-ip=192.0.2.1; "
    "spf=pass smtp.mailfrom=alice@example.org smtp.helo=mail.example.org; x-aligned-from=pass; x-me-sender=none; "
    "x-return-mx=pass header.domain=example.org policy.is_org=yes; "
    "x-tls=pass smtp.version=TLSv1.3 smtp.cipher=TLS_AES_256_GCM_SHA384 smtp.bits=256/256; "
    "x-vs=clean score=-100 state=0" },
  { "rspamd",
    "mx.example.net;\n\tdkim=pass header.d=example.org header.s=dkim header.b=Ab12cd34;\n"
    "\tspf=pass (mx.example.net: domain of \"alice@example.org\" designates 192.0.2.1 as permitted sender) smtp.mailfrom=alice@example.org;\n"
    "\tdmarc=pass (policy=reject) header.from=example.org",
    "mx.example.net",
    "dkim=pass header.d=example.org header.s=dkim header.b=Ab12cd34; spf=pass smtp.mailfrom=alice@example.org; "
    "dmarc=pass header.from=example.org" },
  { "none", "mx.example.org; none", "mx.example.org", "none" },
  { "none-uppercase-folded", "mx.example.org;\r\n\tNONE\r\n", "mx.example.org", "none" },
  /* RFC 8601 Appendix B.2 and B.3. */
  { "version-none", "example.com 1; none", "example.com", "none" },
  { "version", "example.com 1 (v1); spf=pass smtp.mailfrom=example.net", "example.com",
    "spf=pass smtp.mailfrom=example.net" },
  { "version-leading-zeros", "example.com 001; spf=pass smtp.mailfrom=example.net", "example.com",
    "spf=pass smtp.mailfrom=example.net" },
  /* RFC 8601 Appendix B.4, B.5, B.6. */
  { "rfc8601-b4",
    "example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n          spf=pass smtp.mailfrom=example.net",
    "example.com",
    "auth=pass smtp.auth=sender@example.net; spf=pass smtp.mailfrom=example.net" },
  { "rfc8601-b5", "example.com;\r\n          iprev=pass\r\n          policy.iprev=192.0.2.200", "example.com",
    "iprev=pass policy.iprev=192.0.2.200" },
  { "rfc8601-b6",
    "example.com;\r\n          dkim=pass (good signature) header.d=mail-router.example.net;\r\n"
    "          dkim=fail (bad signature) header.d=newyork.example.com",
    "example.com",
    "dkim=pass header.d=mail-router.example.net; dkim=fail header.d=newyork.example.com" },
  /* RFC 8601 Appendix B.7: comments everywhere the grammar allows them. */
  { "rfc8601-b7-comments",
    "foo.example.net (foobar) 1 (baz);\r\n"
    "    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n"
    "      policy (A dot can go here) . (like that) expired\r\n"
    "      (this surprised me) = (as I wasn't expecting it) 1362471462",
    "foo.example.net",
    "dkim=fail policy.expired=1362471462" },
  { "nested-comments",
    "(leading) mx.example.org (a (b (c \\) still c) b) a); spf=pass (x (y)) smtp.mailfrom=a@b.example(trailing)",
    "mx.example.org",
    "spf=pass smtp.mailfrom=a@b.example" },
  { "comment-utf8", "mx.example.org; spf=pass (domaine de «alice@bücher.example») smtp.mailfrom=alice@xn--bcher-kva.example",
    "mx.example.org", "spf=pass smtp.mailfrom=alice@xn--bcher-kva.example" },
  { "utf8-values", "mx.example.org; spf=pass smtp.mailfrom=anna@bücher.example; dmarc=pass header.from=bücher.example",
    "mx.example.org", "spf=pass smtp.mailfrom=anna@bücher.example; dmarc=pass header.from=bücher.example" },
  { "case", "MX.Example.ORG; DKIM=Pass Header.D=Example.ORG; DMARC=FAIL", "MX.Example.ORG",
    "dkim=pass header.d=Example.ORG; dmarc=fail" },
  { "reason-quoted",
    "mx.example.org; dkim=fail reason=\"signature \\\"expired\\\"\" header.d=example.org",
    "mx.example.org",
    "dkim=fail reason=\"signature \"expired\"\" header.d=example.org" },
  { "reason-token", "mx.example.org; spf=temperror reason=dns-timeout", "mx.example.org",
    "spf=temperror reason=\"dns-timeout\"" },
  { "quoted-authserv-id", "\"mx.example.org\"; none", "mx.example.org", "none" },
  { "quoted-local-part", "mx.example.org; spf=pass smtp.mailfrom=\"john doe\"@example.org", "mx.example.org",
    "spf=pass smtp.mailfrom=john doe@example.org" },
  { "at-domain", "mx.example.org; dkim=pass header.i=@example.org", "mx.example.org",
    "dkim=pass header.i=@example.org" },
  { "cfws-around-equals", "mx.example.org; dkim = pass header . d = example.org", "mx.example.org",
    "dkim=pass header.d=example.org" },
  { "method-version-1", "mx.example.org; dkim/1=pass header.d=example.org", "mx.example.org",
    "dkim=pass header.d=example.org" },
  { "method-version-2", "mx.example.org; dkim/2=pass header.d=example.org", "mx.example.org",
    "dkim/2=pass header.d=example.org" },
  { "trailing-semicolon", "mx.example.org; spf=pass smtp.mailfrom=a@b.example;  ", "mx.example.org",
    "spf=pass smtp.mailfrom=a@b.example" },
  { "comment-instead-of-space", "mx.example.org; dkim=pass(ok)header.d=example.org", "mx.example.org",
    "dkim=pass header.d=example.org" },
  { "depth-16",
    "mx.example.org ((((((((((((((((16)))))))))))))))); none", "mx.example.org", "none" },
};

static void
test_parse_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      const ParseCase *c = &parse_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvAuthResults) results = NULL;
      g_autofree char *described = NULL;

      g_test_message ("case %s", c->name);
      results = cnv_auth_results_parse (c->value, &error);
      g_assert_no_error (error);
      g_assert_nonnull (results);
      g_assert_cmpstr (results->authserv_id, ==, c->authserv_id);
      described = describe (results);
      g_assert_cmpstr (described, ==, c->expected);
    }
}

/* Every prefix of every real header parses or fails cleanly. */
static void
test_parse_truncated (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      gsize len = strlen (parse_cases[i].value);

      for (gsize cut = 0; cut < len; cut++)
        {
          g_autofree char *prefix = g_strndup (parse_cases[i].value, cut);
          g_autoptr(GError) error = NULL;
          g_autoptr(CnvAuthResults) results = cnv_auth_results_parse (prefix, &error);

          if (results == NULL)
            {
              g_assert_error (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID);
              g_assert_true (g_str_has_prefix (error->message, "Invalid Authentication-Results"));
            }
          else
            g_assert_no_error (error);
        }
    }
}

typedef struct
{
  const char *name;
  const char *value;
  const char *message_part;
} BadCase;

static const BadCase bad_cases[] = {
  { "empty", "", "expected the authserv-id" },
  { "blank", " \r\n\t", "expected the authserv-id" },
  { "only-id", "mx.example.org", "“;” was expected after the authserv-id" },
  { "nothing-after-semicolon", "mx.example.org;", "where a method was expected" },
  { "double-semicolon", "mx.example.org; ;", "“;” where a method was expected" },
  { "none-then-more", "mx.example.org; none; spf=pass", "“;” where “=” was expected" },
  { "unterminated-comment", "mx.example.org; dkim=pass (signature verified", "unterminated comment" },
  { "unterminated-comment-nested", "mx.example.org (a (b); none", "unterminated comment" },
  { "unterminated-quote", "mx.example.org; dkim=fail reason=\"expired", "unterminated quoted string" },
  { "unterminated-quoted-id", "\"mx.example.org; none", "unterminated quoted string" },
  { "quoted-pair-at-end", "mx.example.org (x\\", "invalid quoted-pair" },
  { "depth-17", "mx.example.org (((((((((((((((((17))))))))))))))))); none", "nested deeper than 16" },
  { "no-equals", "mx.example.org; dkim pass", "where “=” was expected after the method" },
  { "no-result", "mx.example.org; dkim=", "where a result was expected" },
  { "no-value", "mx.example.org; dkim=pass header.d=", "a property has no value" },
  { "no-value-before-semicolon", "mx.example.org; dkim=pass header.d=; spf=pass", "a property has no value" },
  { "no-property-name", "mx.example.org; dkim=pass header.=x", "a property name after the “.”" },
  { "no-space-between", "mx.example.org; dkim=pass header.d=\"a\"header.s=b", "“h” where white space" },
  { "version-2", "mx.example.org 2; none", "unknown version 2" },
  { "version-huge", "mx.example.org 123456789012345678901234567890; none", "more than 8 digits" },
  { "method-version-empty", "mx.example.org; dkim/=pass", "expected a version number" },
  { "line-break-injection", "mx.example.org; dkim=pass\r\nBcc: mallory@example.net", "line break" },
  { "bare-lf-injection", "mx.example.org;\nX-Evil: 1", "line break" },
  { "control-char", "mx.example.org; dkim=pass \x01", "byte 0x01 where a property was expected" },
  { "control-char-glued", "mx.example.org; dkim=pass\x01", "byte 0x01 where white space" },
  { "control-char-in-comment", "mx.example.org (a\x1b[31m); none", "control character 0x1b" },
  { "control-char-in-quote", "mx.example.org; dkim=fail reason=\"a\x7f\"", "control character 0x7f" },
  { "invalid-utf8", "mx.example.org; dkim=\xff\xfe\xfd", "not valid UTF-8" },
  { "overlong-utf8", "mx.example.org (\xc0\xaf); none", "not valid UTF-8" },
  { "utf8-in-token", "mx.example.org; dkim=pässe", "8-bit character" },
  { "utf8-in-id", "mx.exämple.org; none", "8-bit character" },
  { "empty-quoted-id", "\"\"; none", "the authserv-id is empty" },
  { "tspecial-in-id", "mx/example; none", "“/” where “;” was expected" },
};

static void
test_parse_malformed (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      const BadCase *c = &bad_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvAuthResults) results = NULL;

      g_test_message ("case %s", c->name);
      results = cnv_auth_results_parse (c->value, &error);
      g_assert_null (results);
      g_assert_error (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID);
      g_test_message ("  %s", error->message);
      g_assert_nonnull (strstr (error->message, c->message_part));
    }
}

static void
assert_invalid (const char *value,
                const char *message_part)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvAuthResults) results = cnv_auth_results_parse (value, &error);

  g_assert_null (results);
  g_assert_error (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_parse_hostile (void)
{
  g_autoptr(GString) value = g_string_new ("mx.example.org ");
  g_autoptr(GError) error = NULL;
  g_autoptr(CnvAuthResults) results = NULL;
  g_autofree char *big = NULL;

  /* 1000 nested comments, closed or not. */
  for (int i = 0; i < 1000; i++)
    g_string_append_c (value, '(');
  assert_invalid (value->str, "nested deeper than 16");
  for (int i = 0; i < 1000; i++)
    g_string_append_c (value, ')');
  g_string_append (value, "; none");
  assert_invalid (value->str, "nested deeper than 16");

  /* A value of 1 MiB, then one byte over 64 KiB, then exactly 64 KiB (which parses). */
  big = g_strnfill (1024 * 1024, 'a');
  assert_invalid (big, "longer than 65536 bytes");
  g_string_assign (value, "mx.example.org; spf=pass (");
  while (value->len < 64 * 1024 - 7)
    g_string_append_c (value, 'x');
  g_string_append (value, ") smtp.");
  g_assert_cmpuint (value->len, ==, 64 * 1024);
  assert_invalid (value->str, "the end of the value where a property name");
  g_string_truncate (value, value->len - strlen (" smtp."));
  g_string_append (value, " a=bcd");
  g_assert_cmpuint (value->len, ==, 64 * 1024);
  results = cnv_auth_results_parse (value->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->results->len, ==, 1);
  g_clear_pointer (&results, cnv_auth_results_free);
  g_string_append_c (value, 'x');
  assert_invalid (value->str, "longer than 65536 bytes");

  /* 256 results are fine; 257 or 10 000 are not. */
  g_string_assign (value, "mx.example.org");
  for (int i = 0; i < 256; i++)
    g_string_append (value, "; spf=pass");
  results = cnv_auth_results_parse (value->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->results->len, ==, 256);
  g_clear_pointer (&results, cnv_auth_results_free);
  g_string_append (value, "; spf=pass");
  assert_invalid (value->str, "more than 256 results");
  g_string_assign (value, "mx.example.org");
  for (int i = 0; i < 10000; i++)
    g_string_append (value, ";a=b");
  assert_invalid (value->str, "more than 256 results");

  /* Many properties on one result stay within the size bound. */
  g_string_assign (value, "mx.example.org; dkim=pass");
  while (value->len < 60 * 1024)
    g_string_append (value, " header.d=x");
  results = cnv_auth_results_parse (value->str, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (((CnvAuthResult *) g_ptr_array_index (results->results, 0))->properties), >, 5000);
  g_clear_pointer (&results, cnv_auth_results_free);

  /* A NUL byte ends a C string: what follows it is not seen. */
  {
    static const char with_nul[] = "mx.example.org; dkim=pa\0ss header.d=example.org";

    results = cnv_auth_results_parse (with_nul, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (((CnvAuthResult *) g_ptr_array_index (results->results, 0))->result, ==, "pa");
    g_clear_pointer (&results, cnv_auth_results_free);
  }
}

/* Random text over the characters that matter to the grammar, and random 8-bit bytes: each value
 * parses or fails with an error, nothing else (ASan watches the rest). Fixed seeds: the run is
 * the same every time. */
static void
test_parse_random (void)
{
  static const char alphabet[] = "abcdmx.=;/@\"\\() \t\r\n-_01\x7f\x01\xc3\xa9\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (8601);
  guint parsed = 0;

  for (int round = 0; round < 20000; round++)
    {
      gsize len = g_rand_int_range (rand, 0, 80);
      g_autofree char *value = g_malloc (len + 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(CnvAuthResults) results = NULL;

      for (gsize i = 0; i < len; i++)
        {
          if (round % 4 == 0)
            value[i] = (char) g_rand_int_range (rand, 1, 256);
          else
            value[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        }
      value[len] = '\0';
      /* Half the values are real headers with a few bytes changed, to reach deeper into the
       * grammar. */
      if (round % 2 == 1)
        {
          const char *real = parse_cases[g_rand_int_range (rand, 0, G_N_ELEMENTS (parse_cases))].value;
          gsize real_len = strlen (real);

          g_free (value);
          value = g_strdup (real);
          for (int k = g_rand_int_range (rand, 1, 4); k > 0 && real_len > 0; k--)
            value[g_rand_int_range (rand, 0, real_len)] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
        }

      results = cnv_auth_results_parse (value, &error);
      if (results != NULL)
        {
          g_assert_no_error (error);
          parsed++;
        }
      else
        g_assert_error (error, CNV_POLICY_ERROR, CNV_POLICY_ERROR_INVALID);
    }
  g_test_message ("%u of 20000 random values parsed", parsed);
}

/* Messages */

static GMimeMessage *
message_from_data (const char *data,
                   gsize       len)
{
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  GMimeMessage *message;

  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, NULL);
  g_assert_nonnull (message);
  return message;
}

/* A message whose header block is @headers (lines ended by "\n") with a short body. */
static GMimeMessage *
message_new (const char *headers)
{
  g_autofree char *text = g_strconcat (headers,
                                       "To: videoconference@example.test\n"
                                       "Subject: Weekly sync\n"
                                       "Message-ID: <sync-1@example.org>\n"
                                       "Date: Mon, 22 Apr 2024 09:00:00 +0000\n"
                                       "MIME-Version: 1.0\n"
                                       "Content-Type: text/plain; charset=utf-8\n"
                                       "\n"
                                       "Tomorrow 14:00-15:00.\n", NULL);

  return message_from_data (text, strlen (text));
}

static GMimeMessage *
message_from_file (const char *name)
{
  const char *dir = g_getenv ("CNV_TEST_DATA");
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  if (dir == NULL || *dir == '\0')
    return NULL;
  path = g_build_filename (dir, "policy", name, NULL);
  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return message_from_data (data, len);
}

static CnvSenderAuth
check (const char  *headers,
       const char  *trusted,
       char       **reason)
{
  g_autoptr(GMimeMessage) message = message_new (headers);
  CnvSenderAuth verdict = cnv_manager_policy_check_sender (message, trusted, reason);

  g_assert_nonnull (*reason);
  g_test_message ("%s", *reason);
  return verdict;
}

static void
assert_sender (const char    *headers,
               CnvSenderAuth  expected,
               const char    *reason_part)
{
  g_autofree char *reason = NULL;

  g_assert_cmpint (check (headers, TRUSTED, &reason), ==, expected);
  if (reason_part != NULL)
    g_assert_nonnull (strstr (reason, reason_part));
}

static void
test_sender_unchecked (void)
{
  const char *headers = "Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.org\n"
                        "From: Alice <alice@example.org>\n";
  g_autofree char *reason = NULL;
  g_autofree char *reason2 = NULL;
  g_autoptr(GMimeMessage) message = message_new (headers);

  g_assert_cmpint (check (headers, NULL, &reason), ==, CNV_SENDER_AUTH_UNCHECKED);
  g_assert_cmpint (check (headers, "", &reason2), ==, CNV_SENDER_AUTH_UNCHECKED);
  g_assert_cmpint (cnv_manager_policy_check_sender (message, NULL, NULL), ==, CNV_SENDER_AUTH_UNCHECKED);
  g_assert_cmpint (cnv_manager_policy_check_sender (message, TRUSTED, NULL), ==, CNV_SENDER_AUTH_FAIL);
}

static void
test_sender_dmarc (void)
{
  assert_sender ("Authentication-Results: " TRUSTED "; dkim=pass header.d=example.org;\n"
                 "  dmarc=pass (p=reject dis=none) header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, "DMARC pass for example.org");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=fail (p=reject dis=reject) header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC fail for header.from=example.org");
  /* DMARC decides when present: an aligned DKIM pass does not save a DMARC "none". */
  assert_sender ("Authentication-Results: " TRUSTED "; dkim=pass header.d=example.org; dmarc=none header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC none");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=temperror header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC temperror");
  /* A pass for another domain than the From the request will use. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=evil.example\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "not for the From domain example.org");
  /* Case, a final dot and IDNA do not matter. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=PASS header.from=Example.ORG.\n"
                 "From: Alice <ALICE@EXAMPLE.org>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=xn--bcher-kva.example\n"
                 "From: Anna <anna@bücher.example>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=bücher.example\n"
                 "From: Anna <anna@xn--bcher-kva.example>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  /* Several DMARC results: every one must pass. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org; dmarc=fail header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC fail");
  /* Authors in two domains: the verifier may have checked either. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>, Ceo <ceo@victim.example>\n",
                 CNV_SENDER_AUTH_FAIL, "several domains");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n"
                 "From: Ceo <ceo@victim.example>\n",
                 CNV_SENDER_AUTH_FAIL, "several domains");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>, Bob <bob@example.org>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: undisclosed-recipients:;\n",
                 CNV_SENDER_AUTH_FAIL, "no usable From");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n",
                 CNV_SENDER_AUTH_FAIL, "no usable From");
}

/* RFC 8601 §5: a header that another server (or the sender) wrote is not evidence, wherever it
 * stands. */
static void
test_sender_forged (void)
{
  assert_sender ("Authentication-Results: evil.example; dmarc=pass header.from=example.org\n"
                 "Authentication-Results: " TRUSTED "; dmarc=fail (p=reject) header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC fail");
  assert_sender ("Authentication-Results: evil.example; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no Authentication-Results from " TRUSTED);
  /* Look-alike ids. */
  assert_sender ("Authentication-Results: " TRUSTED ".evil.example; dmarc=pass header.from=example.org\n"
                 "Authentication-Results: evil-" TRUSTED "; dmarc=pass header.from=example.org\n"
                 "Authentication-Results: " TRUSTED "x; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no Authentication-Results from");
  /* Microsoft 365's header names no server: nobody can vouch for it. */
  assert_sender ("Authentication-Results: spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=example.org;\n"
                 " dkim=pass (signature was verified) header.d=example.org;dmarc=pass action=none\n"
                 " header.from=example.org;compauth=pass reason=100\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no Authentication-Results from");
  /* A broken header from someone else is skipped. */
  assert_sender ("Authentication-Results: evil.example; dmarc=pass (unterminated\n"
                 "Authentication-Results: (((((((((((((((((((((((((((((((\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  /* The trusted id is compared without regard to case, quoted or not. */
  assert_sender ("Authentication-Results: MX.Example.TEST; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  assert_sender ("Authentication-Results: \"" TRUSTED "\" 1; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, NULL);
  /* No header at all: the trusted server stamps every mail. */
  assert_sender ("From: Alice <alice@example.org>\n", CNV_SENDER_AUTH_FAIL,
                 "no Authentication-Results from " TRUSTED);
}

static void
test_sender_several (void)
{
  /* The topmost header from the trusted server is its latest verdict. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=fail header.from=example.org\n"
                 "Received: from relay.example.org by mx.example.test\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC fail for header.from=example.org (");
  /* Only its verdict counts: passes below it do not add up... */
  assert_sender ("Authentication-Results: " TRUSTED "; dkim=fail header.d=example.org\n"
                 "Authentication-Results: " TRUSTED "; dkim=pass header.d=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no passing DKIM");
  assert_sender ("Authentication-Results: " TRUSTED "; spf=pass smtp.mailfrom=alice@example.org\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no DMARC result");
  /* ...and failures below it other than DMARC do not matter. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass (p=reject dis=none) header.from=example.org\n"
                 "Authentication-Results: " TRUSTED "; dkim=pass header.d=example.org; dkim=fail header.d=esp.example.net\n"
                 "Authentication-Results: " TRUSTED "; spf=softfail smtp.mailfrom=bounce@esp.example.net\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, "DMARC pass");
  /* OpenDKIM's header above OpenDMARC's: the DMARC failure below still fails the mail. */
  assert_sender ("Authentication-Results: " TRUSTED "; dkim=pass (2048-bit key) header.d=example.org header.i=@example.org\n"
                 "Authentication-Results: " TRUSTED "; dmarc=fail (p=reject dis=reject) header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "DMARC fail for header.from=example.org in an earlier Authentication-Results");
  assert_sender ("Authentication-Results: " TRUSTED "; dkim=pass (2048-bit key) header.d=example.org header.i=@example.org\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass (p=reject dis=none) header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_PASS, "DKIM pass for example.org");
  /* An unreadable stamp from the trusted server is a failure, wherever it stands. */
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass (unterminated\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "cannot be read: Invalid Authentication-Results");
  assert_sender ("Authentication-Results: " TRUSTED "; dmarc=pass header.from=example.org\n"
                 "Authentication-Results: " TRUSTED "; dmarc=pass (unterminated\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "cannot be read: Invalid Authentication-Results");
  assert_sender ("Authentication-Results: " TRUSTED " 2; dmarc=pass header.from=example.org\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "unknown version 2");
  assert_sender ("Authentication-Results: " TRUSTED "; none\n"
                 "From: Alice <alice@example.org>\n",
                 CNV_SENDER_AUTH_FAIL, "no DMARC result and no passing DKIM");
}

static void
test_sender_dkim (void)
{
  struct
  {
    const char    *results;
    const char    *from;
    CnvSenderAuth  expected;
  } cases[] = {
    { "dkim=pass header.d=example.org", "alice@example.org", CNV_SENDER_AUTH_PASS },
    { "dkim=pass header.d=mail.example.org", "alice@example.org", CNV_SENDER_AUTH_PASS },
    { "dkim=pass header.d=example.org", "alice@sales.example.org", CNV_SENDER_AUTH_PASS },
    { "dkim=pass header.d=a.example.org", "alice@b.example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.d=example.net", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.d=notexample.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.d=example.org.evil.example", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.d=org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.d=EXAMPLE.org.", "alice@example.org", CNV_SENDER_AUTH_PASS },
    /* Gmail names the identity, not the domain. */
    { "dkim=pass header.i=@example.org header.s=20230601 header.b=Ab12Cd34", "alice@example.org", CNV_SENDER_AUTH_PASS },
    { "dkim=pass header.i=alice@mail.example.org", "alice@example.org", CNV_SENDER_AUTH_PASS },
    { "dkim=pass header.i=@example.net", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    /* d= is the signer when both are given. */
    { "dkim=pass header.d=example.net header.i=@example.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=pass header.s=mail", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=fail header.d=example.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim=neutral header.d=example.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "dkim/2=pass header.d=example.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    { "spf=pass smtp.mailfrom=alice@example.org", "alice@example.org", CNV_SENDER_AUTH_FAIL },
    /* One aligned signature among others is enough. */
    { "dkim=pass header.d=esp.example.net; dkim=fail header.d=example.org; dkim=pass header.d=example.org",
      "alice@example.org", CNV_SENDER_AUTH_PASS },
    { "dkim/1=pass header.d=xn--bcher-kva.example", "anna@bücher.example", CNV_SENDER_AUTH_PASS },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *headers = g_strdup_printf ("Authentication-Results: " TRUSTED "; %s\nFrom: <%s>\n",
                                                  cases[i].results, cases[i].from);
      g_autofree char *reason = NULL;

      g_test_message ("case %s / %s", cases[i].results, cases[i].from);
      g_assert_cmpint (check (headers, TRUSTED, &reason), ==, cases[i].expected);
    }
}

static void
test_sender_hostile (void)
{
  g_autoptr(GString) headers = g_string_new ("Authentication-Results: " TRUSTED "; dmarc=pass (");
  g_autofree char *reason = NULL;
  g_autofree char *reason2 = NULL;
  g_autofree char *reason3 = NULL;

  /* Over 64 KiB, folded into many lines. */
  for (int i = 0; i < 2000; i++)
    g_string_append (headers, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n ");
  g_string_append (headers, ") header.from=example.org\nFrom: Alice <alice@example.org>\n");
  g_assert_cmpint (check (headers->str, TRUSTED, &reason), ==, CNV_SENDER_AUTH_FAIL);
  g_assert_nonnull (strstr (reason, "longer than 65536 bytes"));

  /* A NUL byte inside the trusted header: gmime ends the value there. */
  {
    static const char data[] = "Authentication-Results: " TRUSTED "; dmarc=pa\0ss header.from=example.org\n"
                               "From: Alice <alice@example.org>\n"
                               "Subject: nul\n\nbody\n";
    g_autoptr(GMimeMessage) message = message_from_data (data, sizeof data - 1);

    g_assert_cmpint (cnv_manager_policy_check_sender (message, TRUSTED, &reason2), ==, CNV_SENDER_AUTH_FAIL);
    g_test_message ("%s", reason2);
  }

  /* 8-bit garbage in the trusted header and in the sender's data shown in the reason. */
  g_assert_cmpint (check ("Authentication-Results: " TRUSTED "; dmarc=fail header.from=\"\x1b[31m\xe2\x80\xae" "evil\"\n"
                          "From: Alice <alice@example.org>\n", TRUSTED, &reason3),
                   ==, CNV_SENDER_AUTH_FAIL);
  g_assert_null (strchr (reason3, '\x1b'));
  g_assert_true (g_utf8_validate (reason3, -1, NULL));
  {
    g_autofree char *reason4 = NULL;

    g_assert_cmpint (check ("Authentication-Results: " TRUSTED "; dmarc=\xff\xfe pass\n"
                            "From: Alice <alice@example.org>\n", TRUSTED, &reason4),
                     ==, CNV_SENDER_AUTH_FAIL);
    g_assert_true (g_utf8_validate (reason4, -1, NULL));
  }
}

static void
test_sender_files (void)
{
  g_autoptr(GMimeMessage) outlook = message_from_file ("outlook-request.eml");
  g_autoptr(GMimeMessage) bounce = message_from_file ("postfix-bounce.eml");
  g_autofree char *reason = NULL;
  g_autofree char *reason2 = NULL;

  if (outlook == NULL)
    {
      g_test_skip ("CNV_TEST_DATA is not set");
      return;
    }
  g_assert_cmpint (cnv_manager_policy_check_sender (outlook, TRUSTED, &reason), ==, CNV_SENDER_AUTH_PASS);
  g_assert_cmpstr (reason, ==, "DMARC pass for partner.example (" TRUSTED ")");
  g_assert_cmpint (cnv_manager_policy_check_sender (outlook, "other.example", NULL), ==, CNV_SENDER_AUTH_FAIL);
  g_assert_cmpint (cnv_manager_policy_check_sender (bounce, TRUSTED, &reason2), ==, CNV_SENDER_AUTH_FAIL);
  g_test_message ("%s", reason2);
}

/* Mail written by programs */

static void
assert_automatic (const char *headers,
                  gboolean    expected,
                  const char *reason_part)
{
  g_autoptr(GMimeMessage) message = message_new (headers);
  g_autofree char *reason = NULL;
  g_autofree char *escaped = g_strescape (headers, NULL);

  g_test_message ("%s", escaped);
  g_assert_cmpint (cnv_manager_policy_is_automatic (message, &reason), ==, expected);
  if (expected)
    {
      g_assert_nonnull (reason);
      g_test_message ("  %s", reason);
      g_assert_nonnull (strstr (reason, reason_part));
    }
  else
    g_assert_null (reason);
  g_assert_cmpint (cnv_manager_policy_is_automatic (message, NULL), ==, expected);
}

static void
test_automatic_headers (void)
{
  const char *from = "From: Alice <alice@example.org>\n";
  struct
  {
    const char *header;
    gboolean    expected;
    const char *reason_part;
  } cases[] = {
    { "Auto-Submitted: auto-replied\n", TRUE, "Auto-Submitted: auto-replied" },
    { "Auto-Submitted: auto-generated\n", TRUE, "Auto-Submitted: auto-generated" },
    { "Auto-Submitted: Auto-Replied (vacation); owner-email=\"bob@example.org\"\n", TRUE, "Auto-Submitted: Auto-Replied" },
    { "Auto-Submitted: auto-notified\n", TRUE, "auto-notified" },
    { "Auto-Submitted:\n", TRUE, "Auto-Submitted" },
    { "Auto-Submitted: (unterminated\n", TRUE, "Auto-Submitted" },
    { "Auto-Submitted: no\n", FALSE, NULL },
    { "Auto-Submitted: No (written by a person)\n", FALSE, NULL },
    { "Auto-Submitted: (really) NO ; x=y\n", FALSE, NULL },
    { "Auto-Submitted: no\nAuto-Submitted: auto-replied\n", TRUE, "auto-replied" },
    { "Auto-Submitted: nope\n", TRUE, "nope" },
    { "Return-Path: <>\n", TRUE, "Return-Path: <>" },
    { "Return-Path: < >\n", TRUE, "Return-Path: <>" },
    { "Return-Path: (bounce) <> (null)\n", TRUE, "Return-Path: <>" },
    { "Return-Path: <alice@example.org>\n", FALSE, NULL },
    { "Return-Path: <x>\n", FALSE, NULL },
    { "Precedence: bulk\n", TRUE, "Precedence: bulk" },
    { "Precedence: JUNK\n", TRUE, "Precedence: junk" },
    { "Precedence: list (a list)\n", TRUE, "Precedence: list" },
    { "Precedence: first-class\n", FALSE, NULL },
    { "Precedence: bulky\n", FALSE, NULL },
    { "List-Id: Team <team.lists.example.org>\n", TRUE, "List-Id" },
    { "List-Unsubscribe: <mailto:leave@lists.example.org>\n", TRUE, "List-Unsubscribe" },
    { "X-Autoreply: yes\n", TRUE, "X-Autoreply" },
    { "X-Autorespond: Out of office\n", TRUE, "X-Autorespond" },
    { "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n", TRUE, "X-MS-Exchange-Generated-Message-Source" },
    { "X-MS-Exchange-Inbox-Rules-Loop: bob@example.org\n", TRUE, "X-MS-Exchange-Inbox-Rules-Loop" },
    /* Outlook sets it on mail that people write. */
    { "X-Auto-Response-Suppress: All\n", FALSE, NULL },
    { "X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply\n", FALSE, NULL },
    { "Auto-Submitted: \x1b[2J\xff\n", TRUE, "Auto-Submitted" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *headers = g_strconcat (cases[i].header, from, NULL);

      assert_automatic (headers, cases[i].expected, cases[i].reason_part);
    }

  /* Control characters of a header never reach the reason. */
  {
    g_autoptr(GMimeMessage) message = message_new ("Auto-Submitted: a\x1b[2J\xff\nFrom: <alice@example.org>\n");
    g_autofree char *reason = NULL;

    g_assert_true (cnv_manager_policy_is_automatic (message, &reason));
    g_assert_null (strchr (reason, '\x1b'));
    g_assert_true (g_utf8_validate (reason, -1, NULL));
  }
}

static void
test_automatic_senders (void)
{
  assert_automatic ("From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n", TRUE, "MAILER-DAEMON");
  assert_automatic ("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n", TRUE, "MAILER-DAEMON");
  assert_automatic ("From: MAILER-DAEMON\n", TRUE, "MAILER-DAEMON");
  assert_automatic ("From: Bounces: <Mailer-Daemon@example.org>;\n", TRUE, "MAILER-DAEMON");
  /* A postmaster may write to the manager like anyone. */
  assert_automatic ("From: Postmaster <postmaster@example.org>\n", FALSE, NULL);
  assert_automatic ("From: mailer-daemon-fan@example.org\n", FALSE, NULL);
  assert_automatic ("From: \"mailer-daemon@example.org\" <alice@example.org>\n", FALSE, NULL);
  assert_automatic ("", FALSE, NULL);
}

static void
test_automatic_reports (void)
{
  static const char *const reports[] = { "delivery-status", "disposition-notification", "feedback-report" };

  for (gsize i = 0; i < G_N_ELEMENTS (reports); i++)
    {
      g_autofree char *text = g_strdup_printf ("From: Postmaster <postmaster@example.org>\n"
                                               "To: videoconference@example.test\n"
                                               "Subject: Report\n"
                                               "MIME-Version: 1.0\n"
                                               "Content-Type: multipart/report; report-type=%s;\n"
                                               "\tboundary=\"b1\"\n"
                                               "\n"
                                               "--b1\n"
                                               "Content-Type: text/plain\n"
                                               "\n"
                                               "A report.\n"
                                               "--b1\n"
                                               "Content-Type: message/%s\n"
                                               "\n"
                                               "Reporting-MTA: dns; mx.example.org\n"
                                               "--b1--\n", reports[i], reports[i]);
      g_autoptr(GMimeMessage) message = message_from_data (text, strlen (text));
      g_autofree char *reason = NULL;
      g_autofree char *expected = g_strdup_printf ("multipart/report; report-type=%s", reports[i]);

      g_assert_true (cnv_manager_policy_is_automatic (message, &reason));
      g_assert_nonnull (strstr (reason, expected));
    }
}

static void
test_automatic_files (void)
{
  g_autoptr(GMimeMessage) outlook = message_from_file ("outlook-request.eml");
  g_autoptr(GMimeMessage) bounce = message_from_file ("postfix-bounce.eml");
  g_autoptr(GMimeMessage) autoreply = message_from_file ("exchange-autoreply.eml");
  g_autofree char *reason = NULL;
  g_autofree char *reason2 = NULL;
  g_autofree char *reason3 = NULL;

  if (outlook == NULL)
    {
      g_test_skip ("CNV_TEST_DATA is not set");
      return;
    }
  /* A person's mail from Outlook, with X-Auto-Response-Suppress: All. */
  g_assert_false (cnv_manager_policy_is_automatic (outlook, &reason));
  g_assert_null (reason);
  g_assert_true (cnv_manager_policy_is_automatic (bounce, &reason2));
  g_test_message ("%s", reason2);
  g_assert_true (cnv_manager_policy_is_automatic (autoreply, &reason3));
  g_assert_nonnull (strstr (reason3, "X-MS-Exchange"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  cnv_engine_init ();

  g_test_add_func ("/manager/policy/parse/table", test_parse_table);
  g_test_add_func ("/manager/policy/parse/truncated", test_parse_truncated);
  g_test_add_func ("/manager/policy/parse/malformed", test_parse_malformed);
  g_test_add_func ("/manager/policy/parse/hostile", test_parse_hostile);
  g_test_add_func ("/manager/policy/parse/random", test_parse_random);
  g_test_add_func ("/manager/policy/sender/unchecked", test_sender_unchecked);
  g_test_add_func ("/manager/policy/sender/dmarc", test_sender_dmarc);
  g_test_add_func ("/manager/policy/sender/forged", test_sender_forged);
  g_test_add_func ("/manager/policy/sender/several", test_sender_several);
  g_test_add_func ("/manager/policy/sender/dkim", test_sender_dkim);
  g_test_add_func ("/manager/policy/sender/hostile", test_sender_hostile);
  g_test_add_func ("/manager/policy/sender/files", test_sender_files);
  g_test_add_func ("/manager/policy/automatic/headers", test_automatic_headers);
  g_test_add_func ("/manager/policy/automatic/senders", test_automatic_senders);
  g_test_add_func ("/manager/policy/automatic/reports", test_automatic_reports);
  g_test_add_func ("/manager/policy/automatic/files", test_automatic_files);

  return g_test_run ();
}
