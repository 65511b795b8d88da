#!/usr/bin/env python3
# Offline checks of the Flatpak manifest (issue 7). The runtime cannot be downloaded here, so
# nothing is built; instead:
#   check-manifest.py show MANIFEST APP_ID
#     flatpak-builder parses the manifest the way a build would. G_DEBUG=fatal-warnings turns
#     its warnings (unknown key, unknown source type) into a crash: without it, it exits 0 on
#     them. Exit 77 (skipped) when flatpak-builder is not installed.
#   check-manifest.py policy MANIFEST APP_ID COMMAND
#     What flatpak-builder does not check: the app id and command match the meson build, every
#     module is pinned, finish-args come from the allowed list and each has its reason, and the
#     dependency modules are built without what Convene does not use.
# Debian 12's flatpak-builder (1.2.3) ships no flatpak-manifest.schema.json, so there is no JSON
# schema to validate against; when one is installed (newer flatpak-builder), it is used too.

import json
import os
import re
import shutil
import subprocess
import tempfile
import sys

SKIP = 77

# Each allowed finish-arg; the manifest must justify each one it uses under "//finish-args".
ALLOWED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
    "--talk-name=org.freedesktop.Flatpak",
    "--talk-name=org.gnome.evolution.dataserver.Sources5",
    "--talk-name=org.gnome.evolution.dataserver.AddressBook10",
    "--talk-name=org.gnome.evolution.dataserver.Subprocess.Backend.*",
}

# The modules, in dependency order: libical before EDS (libecal needs libical-glib), the app last.
MODULE_ORDER = ["libical", "gmime", "libportal", "evolution-data-server", "convene"]

BUILDSYSTEMS = {"meson", "cmake-ninja", "cmake", "autotools", "simple"}

# -D options of EDS that may stay on: everything else named ENABLE_* or WITH_* must be OFF.
EDS_ALLOWED_ON = {"ENABLE_FILE_LOCKING"}

SCHEMA_PATHS = [
    "/usr/share/flatpak-builder/flatpak-manifest.schema.json",
    "/usr/local/share/flatpak-builder/flatpak-manifest.schema.json",
]


def fail(problems):
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def show(manifest_path, app_id):
    builder = shutil.which("flatpak-builder")
    if builder is None:
        print("flatpak-builder is not installed: skipped")
        return SKIP
    env = dict(os.environ, G_DEBUG="fatal-warnings")
    # flatpak-builder makes its state folder (.flatpak-builder) in the current directory: a
    # temporary one, not the source tree the test runs from.
    with tempfile.TemporaryDirectory(prefix="cnv-flatpak-") as state:
        proc = subprocess.run([builder, "--show-manifest", os.path.abspath(manifest_path)],
                              env=env, capture_output=True, text=True, cwd=state)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        return fail(["flatpak-builder --show-manifest exited with %d" % proc.returncode])
    shown = json.loads(proc.stdout)
    problems = []
    if shown.get("id") != app_id:
        problems.append("flatpak-builder reads the app id as %r" % shown.get("id"))
    # A key flatpak-builder did not understand would have warned; a key it dropped silently is
    # one starting with "//": the comments must be the only keys missing from what it shows.
    source = load(manifest_path)
    for key in source:
        if key.startswith("//") or key == "app-id":
            continue
        if key not in shown:
            problems.append("flatpak-builder dropped the key %r" % key)
    problems += validate_schema(source)
    if not problems:
        print("flatpak-builder parses the manifest: %s, %d modules"
              % (shown["id"], len(shown.get("modules", []))))
    return fail(problems)


def validate_schema(manifest):
    schema_path = next((p for p in SCHEMA_PATHS if os.path.exists(p)), None)
    if schema_path is None:
        print("no flatpak-manifest.schema.json installed: schema check not done")
        return []
    try:
        import jsonschema
    except ImportError:
        print("python3-jsonschema is not installed: schema check not done")
        return []
    # The schema does not know the "//" comment keys flatpak-builder ignores: drop them first.
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.startswith("//")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    try:
        jsonschema.validate(strip(manifest), load(schema_path))
    except jsonschema.ValidationError as e:
        return ["schema %s: %s" % (schema_path, e.message)]
    print("valid against " + schema_path)
    return []


def check_source(module_name, source, is_app, manifest_path):
    problems = []
    kind = source.get("type")
    where = "module %s, source %s" % (module_name, kind)
    if kind in ("archive", "file"):
        if not str(source.get("url", "")).startswith("https://"):
            problems.append(where + ": the url is not https")
        if not re.fullmatch(r"[0-9a-f]{64}", str(source.get("sha256", ""))):
            problems.append(where + ": no sha256 pin")
    elif kind == "git":
        if "branch" in source:
            problems.append(where + ": follows a branch")
        if not source.get("tag") or not re.fullmatch(r"[0-9a-f]{40}", str(source.get("commit", ""))):
            problems.append(where + ": needs both a tag and the commit of that tag")
    elif kind == "dir":
        # Only the app itself is built from the checkout the manifest sits in.
        if not is_app:
            problems.append(where + ": a dependency must come from a pinned release")
        root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(manifest_path)),
                                         source.get("path", "")))
        try:
            with open(os.path.join(root, "meson.build"), encoding="utf-8") as f:
                if "project('convene'" not in f.read():
                    problems.append(where + ": %s is not Convene's source tree" % root)
        except OSError:
            problems.append(where + ": %s has no meson.build" % root)
    else:
        problems.append(where + ": unexpected source type")
    return problems


def policy(manifest_path, app_id, command):
    m = load(manifest_path)
    problems = []

    if m.get("app-id", m.get("id")) != app_id:
        problems.append("app-id is %r, the build's is %r" % (m.get("app-id"), app_id))
    if m.get("command") != command:
        problems.append("command is %r, the installed UI is %r" % (m.get("command"), command))
    if m.get("runtime") != "org.gnome.Platform" or m.get("sdk") != "org.gnome.Sdk":
        problems.append("runtime and sdk must be org.gnome.Platform and org.gnome.Sdk")
    # A numbered stable branch: "master" or "nightly" move under the build.
    if not re.fullmatch(r"[0-9]+", str(m.get("runtime-version", ""))):
        problems.append("runtime-version %r is not a stable GNOME release"
                        % m.get("runtime-version"))

    args = m.get("finish-args", [])
    reasons = m.get("//finish-args", {})
    for arg in args:
        if arg not in ALLOWED_FINISH_ARGS:
            problems.append("finish-arg %s is not in the allowed list" % arg)
        reason = reasons.get(arg)
        if not isinstance(reason, str) or len(reason.split()) < 5:
            problems.append("finish-arg %s has no reason under //finish-args" % arg)
    for arg in reasons:
        if arg not in args:
            problems.append("//finish-args explains %s, which is not granted" % arg)
    if len(set(args)) != len(args):
        problems.append("a finish-arg is repeated")

    modules = m.get("modules", [])
    names = [mod.get("name") for mod in modules]
    if names != MODULE_ORDER:
        problems.append("modules are %s, expected %s" % (names, MODULE_ORDER))
    for mod in modules:
        name = mod.get("name")
        if mod.get("buildsystem") not in BUILDSYSTEMS:
            problems.append("module %s: buildsystem %r" % (name, mod.get("buildsystem")))
        if not isinstance(mod.get("//"), str):
            problems.append("module %s: no // comment saying what it is for" % name)
        sources = mod.get("sources", [])
        if not sources:
            problems.append("module %s has no sources" % name)
        for source in sources:
            problems += check_source(name, source, name == "convene", manifest_path)

    by_name = {mod.get("name"): mod for mod in modules}
    opts = lambda name: by_name.get(name, {}).get("config-opts", [])
    for opt in opts("evolution-data-server"):
        match = re.fullmatch(r"-D((?:ENABLE|WITH)_[A-Z0-9_]+)=(.*)", opt)
        if match and match.group(1) not in EDS_ALLOWED_ON and match.group(2) != "OFF":
            problems.append("evolution-data-server: %s is not OFF" % opt)
    for needed in ("-DENABLE_GTK=OFF", "-DENABLE_GTK4=OFF", "-DENABLE_GOA=OFF",
                   "-DENABLE_EXAMPLES=OFF", "-DENABLE_INTROSPECTION=OFF",
                   "-DENABLE_VALA_BINDINGS=OFF", "-DWITH_LIBDB=OFF"):
        if needed not in opts("evolution-data-server"):
            problems.append("evolution-data-server: %s missing" % needed)
    if "--disable-crypto" not in opts("gmime"):
        problems.append("gmime: built with crypto (GPGME)")
    for needed in ("-Dbackend-gtk3=disabled", "-Dbackend-gtk4=disabled", "-Dintrospection=false"):
        if needed not in opts("libportal"):
            problems.append("libportal: %s missing" % needed)
    if "-Dapp=true" not in opts("convene"):
        problems.append("convene: -Dapp=true missing")

    if not problems:
        print("policy: %d finish-args, each justified; %d modules, each pinned"
              % (len(args), len(modules)))
    return fail(problems)


def main(argv):
    if len(argv) == 4 and argv[1] == "show":
        return show(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "policy":
        return policy(argv[2], argv[3], argv[4])
    print("usage: check-manifest.py show MANIFEST APP_ID | policy MANIFEST APP_ID COMMAND",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
