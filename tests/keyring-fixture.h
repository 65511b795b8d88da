/* keyring-fixture.h — a real gnome-keyring-daemon on a private session bus, for the tests of
 * CnvSecretCredentials
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One keyring for the whole program: its files live in a temporary HOME, its login collection is
 * made and unlocked with a password the daemon reads from its standard input (never from argv),
 * and the daemon dies with the program. Every failure fails the test.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Starts the private session bus and points DBUS_SESSION_BUS_ADDRESS at it. Call in main()
 * before any thread exists: GTestDBus forks a watcher process (it stops the bus if this program
 * dies), and in a fork made later LeakSanitizer would take the other threads' memory for
 * leaks. */
void             keyring_bus_up         (void);

/* Starts the daemon unless it runs, and waits until it owns org.freedesktop.secrets with an
 * unlocked default collection ("login"). A daemon started again opens the same keyring. */
void             keyring_start          (void);

/* Stops the daemon, if it runs, and makes libsecret forget its session with it. */
void             keyring_stop           (void);

/* Stops the daemon and the bus and removes the keyring's files; call after g_test_run(). */
void             keyring_tear_down      (void);

/* The connection to the private bus; valid after keyring_start(). */
GDBusConnection *keyring_get_connection (void);

G_END_DECLS
