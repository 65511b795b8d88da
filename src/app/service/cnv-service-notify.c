/* cnv-service-notify.c — the notifications of the background service (E451–E458)
 *
 * What each runner event tells the user, and which buttons it offers. The Join button and the
 * default action carry the session id as their target: the id is not secret (the link is, and
 * it never goes into a notification, whose text a notification server may log or show on a
 * locked screen).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "cnv-service"

#include "config.h"

#include <glib/gi18n.h>

#include "cnv-service-notify.h"
#include "cnv-session-schedule.h"

char *
cnv_service_notification_id (const char *session_id)
{
  g_return_val_if_fail (session_id != NULL, NULL);

  return g_strconcat ("session-", session_id, NULL);
}

char *
cnv_service_format_start (gint64 start,
                          gint64 now)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (start);
  g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now);
  g_autoptr(GDateTime) tomorrow = NULL;
  int y, m, d, ty, tm, td;

  if (when == NULL || today == NULL)
    return g_strdup ("");
  tomorrow = g_date_time_add_days (today, 1);
  g_date_time_get_ymd (when, &y, &m, &d);
  g_date_time_get_ymd (today, &ty, &tm, &td);
  if (y == ty && m == tm && d == td)
    /* Translators: a session's start today, a g_date_time_format() format. */
    return g_date_time_format (when, _("Today, %H:%M"));
  g_date_time_get_ymd (tomorrow, &ty, &tm, &td);
  if (y == ty && m == tm && d == td)
    /* Translators: a session's start tomorrow, a g_date_time_format() format. */
    return g_date_time_format (when, _("Tomorrow, %H:%M"));
  /* Translators: a session's start on another day, a g_date_time_format() format. */
  return g_date_time_format (when, _("%a %-d %b, %H:%M"));
}

static const char *
session_title (const CnvSessionRecord *record)
{
  if (record->title != NULL && record->title[0] != '\0')
    return record->title;
  return _("Collaboration Session");
}

static const char *
type_name (const CnvSessionRecord    *record,
           const CnvSessionTypeEntry *type)
{
  if (type != NULL && type->name != NULL && type->name[0] != '\0')
    return type->name;
  if (record->session_type != NULL)
    return record->session_type;
  return "";
}

/* The invitation: when, who invites, what kind of session. */
static char *
invitation_body (const CnvSessionRecord    *record,
                 const CnvSessionTypeEntry *type,
                 gint64                     now)
{
  g_autofree char *start = cnv_service_format_start (record->start, now);
  const char *kind = type_name (record, type);

  if (record->organizer != NULL && record->organizer[0] != '\0')
    /* Translators: a notification's text: the start time, the organizer, the session type
     * ("Today, 14:30, from Alice Liddell\nVideoconference"). */
    return g_strdup_printf (_("%1$s, from %2$s\n%3$s"), start, record->organizer, kind);
  /* Translators: a notification's text: the start time and the session type. */
  return g_strdup_printf (_("%1$s\n%2$s"), start, kind);
}

static void
add_session_button (GNotification *notification,
                    const char    *label,
                    const char    *action,
                    const char    *session_id)
{
  g_notification_add_button_with_target (notification, label, action, "s", session_id);
}

GNotification *
cnv_service_notification_new (CnvRunnerEvent             event,
                              const CnvSessionRecord    *record,
                              const CnvSessionTypeEntry *type,
                              const char                *detail,
                              gint64                     now)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *body = NULL;
  gboolean joined;

  g_return_val_if_fail (record != NULL && record->session_id != NULL, NULL);

  joined = record->status != CNV_SESSION_STATUS_NEW;
  switch (event)
    {
    case CNV_RUNNER_EVENT_CLOSED:
      /* Closed at its end, as the warning said: nothing more to say. Closed because the session
       * was cancelled or moved while it ran: the user is told why the program went away. */
      if (detail == NULL)
        return NULL;
      body = g_strdup (detail);
      break;

    case CNV_RUNNER_EVENT_MISSED:
    case CNV_RUNNER_EVENT_WITHDRAW:
      return NULL;

    case CNV_RUNNER_EVENT_NEW:
      body = invitation_body (record, type, now);
      break;

    case CNV_RUNNER_EVENT_STARTS_SOON:
      body = cnv_schedule_countdown_text (record->start, now);
      break;

    case CNV_RUNNER_EVENT_LAUNCHED:
      body = g_strdup (_("Session started"));
      break;

    case CNV_RUNNER_EVENT_LAUNCH_FAILED:
      body = g_strdup (detail != NULL ? detail : _("Its program could not be started."));
      break;

    case CNV_RUNNER_EVENT_NOT_LAUNCHED:
      body = g_strdup (detail != NULL ? detail : _("The session is not open: nothing was started."));
      break;

    case CNV_RUNNER_EVENT_PROGRAM_EXITED:
      body = g_strdup (_("Its program closed before the end of the session."));
      break;

    case CNV_RUNNER_EVENT_ENDS_SOON:
      {
        gint64 left = record->end > now ? (record->end - now + 59) / 60 : 1;
        guint minutes = (guint) CLAMP (left, 1, G_MAXUINT);

        body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Closes in %u minute",
                                             "Closes in %u minutes", minutes), minutes);
      }
      break;

    case CNV_RUNNER_EVENT_CANNOT_CLOSE:
      body = g_strdup (detail != NULL
                       ? detail
                       : _("The session has ended. Close the browser tab yourself."));
      break;

    default:
      g_warning ("Unknown runner event %d", (int) event);
      return NULL;
    }

  notification = g_notification_new (session_title (record));
  g_notification_set_body (notification, body);
  icon = g_themed_icon_new (type != NULL && type->icon_name != NULL && type->icon_name[0] != '\0'
                            ? type->icon_name : APPLICATION_ID);
  g_notification_set_icon (notification, icon);
  g_notification_set_default_action_and_target (notification, "app.show-session", "s",
                                                record->session_id);

  switch (event)
    {
    case CNV_RUNNER_EVENT_NEW:
    case CNV_RUNNER_EVENT_STARTS_SOON:
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      if (!joined)
        {
          add_session_button (notification, _("Join"), "app.join", record->session_id);
          add_session_button (notification, _("Dismiss"), "app.dismiss", record->session_id);
        }
      break;

    case CNV_RUNNER_EVENT_LAUNCHED:
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_NORMAL);
      add_session_button (notification, _("Leave"), "app.leave", record->session_id);
      break;

    case CNV_RUNNER_EVENT_PROGRAM_EXITED:
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      add_session_button (notification, _("Relaunch"), "app.relaunch", record->session_id);
      break;

    case CNV_RUNNER_EVENT_LAUNCH_FAILED:
    case CNV_RUNNER_EVENT_NOT_LAUNCHED:
    case CNV_RUNNER_EVENT_ENDS_SOON:
    case CNV_RUNNER_EVENT_CANNOT_CLOSE:
    case CNV_RUNNER_EVENT_CLOSED:
    case CNV_RUNNER_EVENT_MISSED:
    case CNV_RUNNER_EVENT_WITHDRAW:
    default:
      g_notification_set_priority (notification, G_NOTIFICATION_PRIORITY_HIGH);
      break;
    }

  return g_steal_pointer (&notification);
}
