/* cnv-session-list.c — the user's sessions as the UI shows them, read from the session store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store belongs to the background service, which writes it (DESIGN.md "Two processes, one
 * app"); the UI opens it only to read (the file is not even created here when the service has
 * not made it yet). PRAGMA data_version (SQLite, "PRAGMA data_version": it changes when another
 * connection commits) tells cheaply whether a read is needed.
 */
#define G_LOG_DOMAIN "cnv-app"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "cnv-session-list.h"

#include "cnv-app-settings.h"
#include "cnv-session-schedule.h"
#include "cnv-session-store.h"

/* A countdown counts seconds from an hour before the start. */
#define COUNTDOWN_SPAN (60 * 60)

/* CnvSessionItem */

struct _CnvSessionItem
{
  GObject           parent_instance;

  CnvSessionRecord *record;
  char             *subtitle;
  const char       *status;
  char             *icon_name;
  char             *type_name;
  gboolean          opens_browser;
  gboolean          can_join;
  gboolean          can_relaunch;
  gboolean          can_leave;
};

G_DEFINE_FINAL_TYPE (CnvSessionItem, cnv_session_item, G_TYPE_OBJECT)

enum {
  ITEM_PROP_0,
  ITEM_PROP_SESSION_ID,
  ITEM_PROP_TITLE,
  ITEM_PROP_SUBTITLE,
  ITEM_PROP_STATUS,
  ITEM_PROP_ICON_NAME,
  ITEM_PROP_TYPE_NAME,
  ITEM_PROP_OPENS_BROWSER,
  ITEM_PROP_START,
  ITEM_PROP_END,
  ITEM_PROP_CAN_JOIN,
  ITEM_PROP_CAN_RELAUNCH,
  ITEM_PROP_CAN_LEAVE,
  ITEM_N_PROPS
};

static GParamSpec *item_props[ITEM_N_PROPS];

const char *
cnv_session_item_get_session_id (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->record->session_id;
}

const char *
cnv_session_item_get_title (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->record->title;
}

const char *
cnv_session_item_get_subtitle (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->subtitle;
}

const char *
cnv_session_item_get_status (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->status;
}

const char *
cnv_session_item_get_icon_name (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->icon_name;
}

const char *
cnv_session_item_get_type_name (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->type_name;
}

gboolean
cnv_session_item_get_opens_browser (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), FALSE);
  return self->opens_browser;
}

gint64
cnv_session_item_get_start (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), 0);
  return self->record->start;
}

gint64
cnv_session_item_get_end (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), 0);
  return self->record->end;
}

gboolean
cnv_session_item_get_can_join (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), FALSE);
  return self->can_join;
}

gboolean
cnv_session_item_get_can_relaunch (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), FALSE);
  return self->can_relaunch;
}

gboolean
cnv_session_item_get_can_leave (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), FALSE);
  return self->can_leave;
}

const CnvSessionRecord *
cnv_session_item_get_record (CnvSessionItem *self)
{
  g_return_val_if_fail (CNV_IS_SESSION_ITEM (self), NULL);
  return self->record;
}

static void
cnv_session_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CnvSessionItem *self = CNV_SESSION_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_SESSION_ID:
      g_value_set_string (value, self->record->session_id);
      break;
    case ITEM_PROP_TITLE:
      g_value_set_string (value, self->record->title);
      break;
    case ITEM_PROP_SUBTITLE:
      g_value_set_string (value, self->subtitle);
      break;
    case ITEM_PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    case ITEM_PROP_ICON_NAME:
      g_value_set_string (value, self->icon_name);
      break;
    case ITEM_PROP_TYPE_NAME:
      g_value_set_string (value, self->type_name);
      break;
    case ITEM_PROP_OPENS_BROWSER:
      g_value_set_boolean (value, self->opens_browser);
      break;
    case ITEM_PROP_START:
      g_value_set_int64 (value, self->record->start);
      break;
    case ITEM_PROP_END:
      g_value_set_int64 (value, self->record->end);
      break;
    case ITEM_PROP_CAN_JOIN:
      g_value_set_boolean (value, self->can_join);
      break;
    case ITEM_PROP_CAN_RELAUNCH:
      g_value_set_boolean (value, self->can_relaunch);
      break;
    case ITEM_PROP_CAN_LEAVE:
      g_value_set_boolean (value, self->can_leave);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnv_session_item_finalize (GObject *object)
{
  CnvSessionItem *self = CNV_SESSION_ITEM (object);

  g_clear_pointer (&self->record, cnv_session_record_free);
  g_free (self->subtitle);
  g_free (self->icon_name);
  g_free (self->type_name);

  G_OBJECT_CLASS (cnv_session_item_parent_class)->finalize (object);
}

static void
cnv_session_item_class_init (CnvSessionItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = cnv_session_item_get_property;
  object_class->finalize = cnv_session_item_finalize;

  item_props[ITEM_PROP_SESSION_ID] = g_param_spec_string ("session-id", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_SUBTITLE] = g_param_spec_string ("subtitle", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_TYPE_NAME] = g_param_spec_string ("type-name", NULL, NULL, NULL, flags);
  item_props[ITEM_PROP_OPENS_BROWSER] = g_param_spec_boolean ("opens-browser", NULL, NULL,
                                                              FALSE, flags);
  item_props[ITEM_PROP_START] = g_param_spec_int64 ("start", NULL, NULL, G_MININT64, G_MAXINT64,
                                                    0, flags);
  item_props[ITEM_PROP_END] = g_param_spec_int64 ("end", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                                                  flags);
  item_props[ITEM_PROP_CAN_JOIN] = g_param_spec_boolean ("can-join", NULL, NULL, FALSE, flags);
  item_props[ITEM_PROP_CAN_RELAUNCH] = g_param_spec_boolean ("can-relaunch", NULL, NULL, FALSE,
                                                             flags);
  item_props[ITEM_PROP_CAN_LEAVE] = g_param_spec_boolean ("can-leave", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_props);
}

static void
cnv_session_item_init (CnvSessionItem *self)
{
  self->status = "upcoming";
}

/* Texts */

static GDateTime *
local_time (gint64 unix_time)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_time);

  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

char *
cnv_session_format_time (gint64 unix_time)
{
  g_autoptr(GDateTime) time = local_time (unix_time);

  return time != NULL ? g_date_time_format (time, "%H:%M") : g_strdup ("");
}

char *
cnv_session_format_date (gint64 unix_time)
{
  g_autoptr(GDateTime) time = local_time (unix_time);

  /* Translators: a session's date, in g_date_time_format() notation ("Tuesday 14 May 2024");
   * %-d is the day without a leading zero. */
  return time != NULL ? g_date_time_format (time, _("%A %-d %B %Y")) : g_strdup ("");
}

/* "Today", "Tomorrow", else "Tue 14 May": the day of a row. */
static char *
format_short_date (gint64 unix_time,
                   gint64 now)
{
  g_autoptr(GDateTime) time = local_time (unix_time);
  g_autoptr(GDateTime) today = local_time (now);
  int days;

  if (time == NULL || today == NULL)
    return g_strdup ("");

  days = g_date_time_get_day_of_year (time) - g_date_time_get_day_of_year (today);
  if (g_date_time_get_year (time) == g_date_time_get_year (today))
    {
      if (days == 0)
        return g_strdup (_("Today"));
      if (days == 1)
        return g_strdup (_("Tomorrow"));
      if (days == -1)
        return g_strdup (_("Yesterday"));
    }

  /* Translators: a day in a list of sessions, in g_date_time_format() notation ("Tue 14 May") */
  return g_date_time_format (time, _("%a %-d %b"));
}

/* "Tomorrow, 10:00–11:00" */
static char *
format_when (const CnvSessionRecord *record,
             gint64                  now)
{
  g_autofree char *date = format_short_date (record->start, now);
  g_autofree char *start = cnv_session_format_time (record->start);
  g_autofree char *end = cnv_session_format_time (record->end);

  /* Translators: a session's day, its start and its end: "Tomorrow, 10:00–11:00" */
  return g_strdup_printf (_("%1$s, %2$s–%3$s"), date, start, end);
}

/* Whether the program of a running session is still there. Only a command's process group can
 * be checked (an application or a browser tab is not ours to watch): unknown counts as alive. */
static gboolean
program_alive (const CnvSessionRecord *record)
{
  if (record->launch_pgid <= 0)
    return TRUE;

  return cnv_session_record_launch_is_alive (record, "/proc");
}

typedef struct
{
  const char *status;
  char       *subtitle;
  gboolean    can_join;
  gboolean    can_relaunch;
  gboolean    can_leave;
} ItemState;

static void
decide_item (const CnvSessionRecord *record,
             gint64                  now,
             ItemState              *state)
{
  g_autofree char *when = format_when (record, now);
  g_autofree char *end = cnv_session_format_time (record->end);
  gboolean over = now >= record->end;
  gboolean started = now >= record->start;

  memset (state, 0, sizeof *state);

  switch (record->status)
    {
    case CNV_SESSION_STATUS_RUNNING:
      state->status = "active";
      state->can_leave = TRUE;
      state->can_relaunch = !over && !program_alive (record);
      if (state->can_relaunch)
        /* Translators: a running session whose program was closed; %s is its end time */
        state->subtitle = g_strdup_printf (_("Program closed · until %s"), end);
      else
        /* Translators: a running session; %s is its end time */
        state->subtitle = g_strdup_printf (_("Running · until %s"), end);
      break;

    case CNV_SESSION_STATUS_NEW:
    case CNV_SESSION_STATUS_ACCEPTED:
      if (over)
        {
          /* The service marks it missed at the end; until it has, it reads so already. */
          state->status = "past";
          /* Translators: %s says when: "Yesterday, 10:00–11:00" */
          state->subtitle = g_strdup_printf (_("Missed · %s"), when);
          break;
        }
      state->status = started ? "active" : "upcoming";
      state->can_join = record->status == CNV_SESSION_STATUS_NEW;
      if (record->status == CNV_SESSION_STATUS_ACCEPTED && started)
        state->subtitle = g_strdup (_("Joined · opening…"));
      else
        {
          g_autofree char *time = NULL;

          if (record->start - now <= COUNTDOWN_SPAN)
            time = cnv_schedule_countdown_text (record->start, now);
          else
            time = g_strdup (when);
          if (record->status == CNV_SESSION_STATUS_ACCEPTED)
            /* Translators: a session the user joined; %s is a countdown or when it takes place */
            state->subtitle = g_strdup_printf (_("Joined · %s"), time);
          else
            state->subtitle = g_steal_pointer (&time);
        }
      break;

    case CNV_SESSION_STATUS_ENDED:
      state->status = "past";
      /* Translators: %s says when: "Yesterday, 10:00–11:00" */
      state->subtitle = g_strdup_printf (_("Ended · %s"), when);
      break;

    case CNV_SESSION_STATUS_MISSED:
      state->status = "past";
      state->subtitle = g_strdup_printf (_("Missed · %s"), when);
      break;

    case CNV_SESSION_STATUS_CANCELLED:
    default:
      state->status = "past";
      /* Translators: %s says when: "Tomorrow, 10:00–11:00" */
      state->subtitle = g_strdup_printf (_("Cancelled · %s"), when);
      break;
    }
}

/* CnvSessionList */

struct _CnvSessionList
{
  GObject          parent_instance;

  char            *path;
  CnvSessionStore *store;
  gint64           data_version;
  gboolean         open_failed_logged;
  GPtrArray       *items;       /* CnvSessionItem */
  GPtrArray       *types;       /* CnvSessionTypeEntry */
  guint            tick_id;
  gint64           next_change; /* when a text or a section changes with time; G_MAXINT64 = never */
};

static void cnv_session_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CnvSessionList, cnv_session_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      cnv_session_list_model_init))

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GType
cnv_session_list_get_item_type (GListModel *model)
{
  return CNV_TYPE_SESSION_ITEM;
}

static guint
cnv_session_list_get_n_items (GListModel *model)
{
  return CNV_SESSION_LIST (model)->items->len;
}

static gpointer
cnv_session_list_get_item (GListModel *model,
                           guint       position)
{
  CnvSessionList *self = CNV_SESSION_LIST (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
cnv_session_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = cnv_session_list_get_item_type;
  iface->get_n_items = cnv_session_list_get_n_items;
  iface->get_item = cnv_session_list_get_item;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
set_string (CnvSessionItem *item,
            char          **field,
            const char     *value,
            int             prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (item), item_props[prop]);
}

static void
set_boolean (CnvSessionItem *item,
             gboolean       *field,
             gboolean        value,
             int             prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (item), item_props[prop]);
}

/* Brings @item up to @record (NULL: its own) at @now; TRUE when its section changed. */
static gboolean
update_item (CnvSessionList         *self,
             CnvSessionItem         *item,
             const CnvSessionRecord *record,
             gint64                  now)
{
  const CnvSessionTypeEntry *type = NULL;
  ItemState state;
  gboolean section_changed;

  g_object_freeze_notify (G_OBJECT (item));

  if (record != NULL)
    {
      CnvSessionRecord *old = item->record;

      item->record = cnv_session_record_copy (record);
      if (old == NULL || g_strcmp0 (old->title, record->title) != 0)
        g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_TITLE]);
      if (old == NULL || old->start != record->start)
        g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_START]);
      if (old == NULL || old->end != record->end)
        g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_END]);
      g_clear_pointer (&old, cnv_session_record_free);
    }
  record = item->record;

  if (self->types != NULL && record->manager_address != NULL)
    type = cnv_session_type_entries_find (self->types, record->manager_address);
  set_string (item, &item->icon_name,
              type != NULL ? type->icon_name : "x-office-calendar-symbolic", ITEM_PROP_ICON_NAME);
  set_string (item, &item->type_name,
              type != NULL ? type->name : (record->session_type != NULL ? record->session_type : ""),
              ITEM_PROP_TYPE_NAME);
  /* No application and no command: the launcher opens the link in the default browser. */
  set_boolean (item, &item->opens_browser,
               type == NULL || (*type->app_id == '\0' && *type->command == '\0'),
               ITEM_PROP_OPENS_BROWSER);

  decide_item (record, now, &state);
  set_string (item, &item->subtitle, state.subtitle, ITEM_PROP_SUBTITLE);
  g_free (state.subtitle);
  section_changed = g_strcmp0 (item->status, state.status) != 0;
  if (section_changed)
    {
      item->status = state.status;
      g_object_notify_by_pspec (G_OBJECT (item), item_props[ITEM_PROP_STATUS]);
    }
  set_boolean (item, &item->can_join, state.can_join, ITEM_PROP_CAN_JOIN);
  set_boolean (item, &item->can_relaunch, state.can_relaunch, ITEM_PROP_CAN_RELAUNCH);
  set_boolean (item, &item->can_leave, state.can_leave, ITEM_PROP_CAN_LEAVE);

  g_object_thaw_notify (G_OBJECT (item));

  return section_changed;
}

/* When the texts next change with the clock alone: a second from now while a countdown runs,
 * else an hour before the next start, or the next start or end. */
static gint64
next_change (CnvSessionList *self,
             gint64          now)
{
  gint64 next = G_MAXINT64;

  for (guint i = 0; i < self->items->len; i++)
    {
      const CnvSessionRecord *record = CNV_SESSION_ITEM (g_ptr_array_index (self->items, i))->record;
      gint64 times[3];

      if (record->status != CNV_SESSION_STATUS_NEW
          && record->status != CNV_SESSION_STATUS_ACCEPTED
          && record->status != CNV_SESSION_STATUS_RUNNING)
        continue;

      if (record->status != CNV_SESSION_STATUS_RUNNING
          && now < record->start && record->start - now <= COUNTDOWN_SPAN)
        return now + 1;
      /* "Started 3 min ago" of a session not joined yet goes on counting, by the minute. */
      if (record->status == CNV_SESSION_STATUS_NEW && now >= record->start && now < record->end)
        next = MIN (next, now + 60 - (now - record->start) % 60);

      times[0] = record->start - COUNTDOWN_SPAN;
      times[1] = record->start;
      times[2] = record->end;
      for (guint t = 0; t < G_N_ELEMENTS (times); t++)
        {
          if (times[t] > now)
            next = MIN (next, times[t]);
        }
    }

  return next;
}

/* The texts at @now; an item whose section changed is replaced in place, so that a filter over
 * the list sees it again. */
static void
update_texts (CnvSessionList *self,
              gint64          now)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      if (update_item (self, g_ptr_array_index (self->items, i), NULL, now))
        g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 1);
    }
  self->next_change = next_change (self, now);
}

static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const CnvSessionRecord *ra = *(const CnvSessionRecord **) a;
  const CnvSessionRecord *rb = *(const CnvSessionRecord **) b;
  gboolean past_a = ra->status >= CNV_SESSION_STATUS_ENDED;
  gboolean past_b = rb->status >= CNV_SESSION_STATUS_ENDED;

  if (past_a != past_b)
    return past_a ? 1 : -1;
  /* Current ones by start, the past from the latest. */
  if (ra->start != rb->start)
    return (ra->start < rb->start) == !past_a ? -1 : 1;

  return g_strcmp0 (ra->session_id, rb->session_id);
}

/* The schema version of the file, read on a read-only connection; -1 when it cannot be read yet
 * (a file just created, a migration holding the lock). */
static int
read_schema_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *statement = NULL;
  int version = -1;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
      && sqlite3_prepare_v2 (db, "PRAGMA user_version;", -1, &statement, NULL) == SQLITE_OK
      && sqlite3_step (statement) == SQLITE_ROW)
    version = sqlite3_column_int (statement, 0);
  sqlite3_finalize (statement);
  sqlite3_close (db);

  return version;
}

static gboolean
open_store (CnvSessionList *self)
{
  g_autoptr(GError) error = NULL;

  if (self->store != NULL)
    return TRUE;
  /* The service creates it; the UI does not. */
  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    return FALSE;
  /* cnv_session_store_open() migrates a store that is behind (and makes a new file a WAL
   * database): that is the service's work, which it may be doing right now. The UI waits until
   * the schema is current, when opening writes nothing. */
  if (read_schema_version (self->path) < CNV_SESSION_STORE_SCHEMA_VERSION)
    return FALSE;

  self->store = cnv_session_store_open (self->path, &error);
  if (self->store == NULL)
    {
      if (!self->open_failed_logged)
        g_warning ("Cannot read the sessions: %s", error->message);
      self->open_failed_logged = TRUE;
      return FALSE;
    }
  self->open_failed_logged = FALSE;
  self->data_version = G_MININT64;

  return TRUE;
}

void
cnv_session_list_refresh (CnvSessionList *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = now_seconds ();
  gboolean same_ids;
  guint old_n;

  g_return_if_fail (CNV_IS_SESSION_LIST (self));

  if (!open_store (self))
    {
      records = g_ptr_array_new ();
    }
  else
    {
      self->data_version = cnv_session_store_data_version (self->store);
      records = cnv_session_store_list (self->store, CNV_SESSION_STORE_LIST_ALL, &error);
      if (records == NULL)
        {
          g_warning ("Cannot read the sessions: %s", error->message);
          return;
        }
    }
  g_ptr_array_sort (records, compare_records);

  same_ids = records->len == self->items->len;
  for (guint i = 0; same_ids && i < records->len; i++)
    {
      const CnvSessionRecord *record = g_ptr_array_index (records, i);
      CnvSessionItem *item = g_ptr_array_index (self->items, i);

      same_ids = g_strcmp0 (record->session_id, item->record->session_id) == 0;
    }

  if (same_ids)
    {
      /* Updated in place: rows keep their focus. */
      for (guint i = 0; i < records->len; i++)
        {
          if (update_item (self, g_ptr_array_index (self->items, i),
                           g_ptr_array_index (records, i), now))
            g_list_model_items_changed (G_LIST_MODEL (self), i, 1, 1);
        }
    }
  else
    {
      g_autoptr(GPtrArray) old = g_steal_pointer (&self->items);

      self->items = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; i < records->len; i++)
        {
          const CnvSessionRecord *record = g_ptr_array_index (records, i);
          CnvSessionItem *item = NULL;

          /* The same object for the same session, so that windows holding it follow. */
          for (guint j = 0; j < old->len && item == NULL; j++)
            {
              CnvSessionItem *candidate = g_ptr_array_index (old, j);

              if (g_strcmp0 (candidate->record->session_id, record->session_id) == 0)
                item = g_object_ref (candidate);
            }
          if (item == NULL)
            item = g_object_new (CNV_TYPE_SESSION_ITEM, NULL);
          update_item (self, item, record, now);
          g_ptr_array_add (self->items, item);
        }
      old_n = old->len;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, old_n, self->items->len);
    }

  self->next_change = next_change (self, now);
  g_signal_emit (self, signals[CHANGED], 0);
}

static gboolean
on_tick (gpointer user_data)
{
  CnvSessionList *self = CNV_SESSION_LIST (user_data);
  gint64 now = now_seconds ();
  gboolean changed = FALSE;

  if (self->store == NULL)
    changed = open_store (self);
  else
    changed = cnv_session_store_data_version (self->store) != self->data_version;

  if (changed)
    cnv_session_list_refresh (self);
  else if (now >= self->next_change)
    {
      update_texts (self, now);
      g_signal_emit (self, signals[CHANGED], 0);
    }

  return G_SOURCE_CONTINUE;
}

void
cnv_session_list_set_watching (CnvSessionList *self,
                               gboolean        watching)
{
  g_return_if_fail (CNV_IS_SESSION_LIST (self));

  if (watching == (self->tick_id != 0))
    return;

  if (watching)
    {
      cnv_session_list_refresh (self);
      self->tick_id = g_timeout_add_seconds (1, on_tick, self);
      g_source_set_name_by_id (self->tick_id, "[convene] session list");
    }
  else
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

CnvSessionItem *
cnv_session_list_find (CnvSessionList *self,
                       const char     *session_id)
{
  g_return_val_if_fail (CNV_IS_SESSION_LIST (self), NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      CnvSessionItem *item = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (item->record->session_id, session_id) == 0)
        return item;
    }

  return NULL;
}

void
cnv_session_list_set_session_types (CnvSessionList *self,
                                    GPtrArray      *entries)
{
  g_return_if_fail (CNV_IS_SESSION_LIST (self));

  g_clear_pointer (&self->types, g_ptr_array_unref);
  if (entries != NULL)
    {
      self->types = g_ptr_array_new_with_free_func ((GDestroyNotify) cnv_session_type_entry_free);
      for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add (self->types,
                         cnv_session_type_entry_copy (g_ptr_array_index (entries, i)));
    }

  update_texts (self, now_seconds ());
  g_signal_emit (self, signals[CHANGED], 0);
}

CnvSessionList *
cnv_session_list_new (const char *path)
{
  CnvSessionList *self = g_object_new (CNV_TYPE_SESSION_LIST, NULL);

  self->path = path != NULL ? g_strdup (path) : cnv_session_store_default_path ();

  return self;
}

static void
cnv_session_list_dispose (GObject *object)
{
  CnvSessionList *self = CNV_SESSION_LIST (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (cnv_session_list_parent_class)->dispose (object);
}

static void
cnv_session_list_finalize (GObject *object)
{
  CnvSessionList *self = CNV_SESSION_LIST (object);

  g_ptr_array_unref (self->items);
  g_clear_pointer (&self->types, g_ptr_array_unref);
  g_free (self->path);

  G_OBJECT_CLASS (cnv_session_list_parent_class)->finalize (object);
}

static void
cnv_session_list_class_init (CnvSessionListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnv_session_list_dispose;
  object_class->finalize = cnv_session_list_finalize;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
cnv_session_list_init (CnvSessionList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->next_change = G_MAXINT64;
}
