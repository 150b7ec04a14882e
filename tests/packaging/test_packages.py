"""test_packages.py — the deb and rpm packages as an administrator and a
plugin author get them.

Debian packages (built by `make package` into PE_DEB_DIR): control fields and
file lists (dpkg-deb -I/-c), maintainer scripts, lintian, the manual page
against --help, the systemd unit (systemd-analyze verify and security). Then,
on this machine (as root; CI runs in a throwaway machine): install, check the
installed default configuration as the service user, run the installed binary
as that user on a free 127.0.0.1 port, scrape it and push to it, build the
example plugin (C, with find_package and with pkg-config) and a C++ plugin
against the -dev package alone and load them in the installed daemon, reload
a modified configuration with SIGHUP (the unit's ExecReload), upgrade to the
same package keeping the modified configuration and the pushed state,
remove and purge, and check what is left.

RPM packages (PE_RPM_DIR): header, requirements, file list, configuration
files and scriptlets (rpm -qip/-qlp and friends).

Run by `make package-test` (and so by `make test` where the tools are there):
  PE_DEB_DIR=build-package-deb/packages PE_RPM_DIR=build-package-rpm/packages \
    python3 tests/packaging/test_packages.py -v
"""
import glob
import gzip
import os
import pwd
import grp
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "../.."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests/integration"))
import harness as h  # noqa: E402

DEB_DIR = os.path.abspath(os.environ.get("PE_DEB_DIR",
                                         os.path.join(SOURCE_DIR, "build-package-deb/packages")))
RPM_DIR = os.path.abspath(os.environ.get("PE_RPM_DIR",
                                         os.path.join(SOURCE_DIR, "build-package-rpm/packages")))

SERVICE_USER = "plugin_exporter"
CONFIG = "/etc/plugin_exporter/plugin_exporter.toml"
STATE_DIR = "/var/lib/plugin_exporter"
BINARY = "/usr/bin/plugin_exporter"
UNIT = "plugin_exporter.service"
PLUGINS = ("hello", "postgres", "proxy", "push", "script")


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        return re.search(r"project\(plugin_exporter VERSION ([0-9.]+)", f.read()).group(1)


VERSION = project_version()


def run(argv, check=True, timeout=300, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def one_file(directory, pattern):
    found = glob.glob(os.path.join(directory, pattern))
    if len(found) != 1:
        raise AssertionError(f"expected one {pattern} in {directory}, found {found}")
    return found[0]


def deb_arch():
    return run(["dpkg", "--print-architecture"]).stdout.strip()


def deb_multiarch():
    return run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).stdout.strip()


def deb_unit_dir():
    r = run(["pkg-config", "--variable=systemdsystemunitdir", "systemd"], check=False)
    return r.stdout.strip() or "/usr/lib/systemd/system"


def runtime_deb():
    return one_file(DEB_DIR, f"plugin-exporter_{VERSION}_{deb_arch()}.deb")


def dev_deb():
    return one_file(DEB_DIR, f"plugin-exporter-dev_{VERSION}_{deb_arch()}.deb")


def deb_field(package, field):
    return run(["dpkg-deb", "-f", package, field]).stdout.strip()


def deb_contents(package):
    """{path: (mode string, owner/group)} from dpkg-deb -c, paths without the leading '.'."""
    out = {}
    for line in run(["dpkg-deb", "-c", package]).stdout.splitlines():
        parts = line.split(None, 5)
        path = parts[5].split(" -> ")[0]
        out[path[1:].rstrip("/") or "/"] = (parts[0], parts[1])
    return out


class DebianPackageContents(unittest.TestCase):
    """What the .deb files hold and say about themselves, before installing."""

    def test_runtime_control_fields(self):
        deb = runtime_deb()
        self.assertEqual(deb_field(deb, "Package"), "plugin-exporter")
        self.assertEqual(deb_field(deb, "Version"), VERSION)
        self.assertEqual(deb_field(deb, "Architecture"), deb_arch())
        self.assertEqual(deb_field(deb, "Section"), "net")
        self.assertRegex(deb_field(deb, "Maintainer"), r"^.+ <[^@ ]+@[^@ ]+>$")
        description = deb_field(deb, "Description")
        self.assertTrue(description.startswith("Prometheus exporter with collector plugins\n"),
                        description)
        self.assertIn("postgres", description)
        # Computed by dpkg-shlibdeps from the binary and the plugins: the
        # libraries each of them links, with versions.
        depends = deb_field(deb, "Depends")
        for library in ("libc6 (>=", "libstdc++6 (>=", "libpq5 (>=", "libpocofoundation",
                        "libpoconet", "libpoconetssl", "libprotobuf-lite", "libre2-",
                        "zlib1g (>=", "libssl3 (>=", "passwd"):
            self.assertIn(library, depends)

    def test_runtime_files(self):
        files = deb_contents(runtime_deb())
        plugin_dir = f"/usr/lib/{deb_multiarch()}/plugin_exporter/plugins"
        expected = {
            BINARY: "-rwxr-xr-x",
            CONFIG: "-rw-r--r--",
            f"{deb_unit_dir()}/{UNIT}": "-rw-r--r--",
            "/usr/share/man/man1/plugin_exporter.1.gz": "-rw-r--r--",
            "/usr/share/doc/plugin-exporter/copyright": "-rw-r--r--",
            "/usr/share/doc/plugin-exporter/changelog.gz": "-rw-r--r--",
            "/usr/share/doc/plugin-exporter/README.md": "-rw-r--r--",
            **{f"{plugin_dir}/{p}.so": "-rw-r--r--" for p in PLUGINS},
            **{f"/usr/share/doc/plugin-exporter/plugins/{p}.md": "-rw-r--r--"
               for p in PLUGINS if p != "hello"},
        }
        for path, mode in expected.items():
            self.assertIn(path, files, f"{path} missing from the package")
            self.assertEqual(files[path][0], mode, path)
        for path, (_, owner) in files.items():
            self.assertEqual(owner, "root/root", path)
        # Nothing of the SDK, nothing outside the system's directories.
        for path in files:
            self.assertFalse(path.startswith("/usr/include") or path.endswith(".a") or
                             "/cmake/" in path or "pkgconfig" in path, path)
            self.assertRegex(path, r"^/($|etc|usr|lib)", path)

    def test_runtime_maintainer_scripts_and_conffiles(self):
        with tempfile.TemporaryDirectory(prefix="pe-pkg-") as tmp:
            run(["dpkg-deb", "-e", runtime_deb(), tmp])
            with open(os.path.join(tmp, "conffiles")) as f:
                self.assertEqual(f.read().split(), [CONFIG])
            for script in ("postinst", "prerm", "postrm"):
                path = os.path.join(tmp, script)
                self.assertTrue(os.stat(path).st_mode & stat.S_IXUSR, f"{script} not executable")
                run(["sh", "-n", path])  # syntax
                with open(path) as f:
                    text = f.read()
                self.assertIn("set -e", text)
                self.assertNotIn("@PE_", text, f"{script}: unsubstituted placeholder")
            with open(os.path.join(tmp, "postinst")) as f:
                postinst = f.read()
            self.assertIn("useradd --system", postinst)
            self.assertIn("/var/lib/plugin_exporter", postinst)

    def test_dev_package(self):
        deb = dev_deb()
        self.assertEqual(deb_field(deb, "Package"), "plugin-exporter-dev")
        self.assertEqual(deb_field(deb, "Version"), VERSION)
        self.assertEqual(deb_field(deb, "Section"), "libdevel")
        self.assertIn("libre2-dev", deb_field(deb, "Depends"))
        self.assertIn("zlib1g-dev", deb_field(deb, "Depends"))
        files = deb_contents(deb)
        libdir = f"/usr/lib/{deb_multiarch()}"
        for path in ("/usr/include/plugin_exporter/plugin.h",
                     "/usr/include/plugin_exporter/plugin.hpp",
                     "/usr/include/plugin_exporter/exposition/text_parser.hpp",
                     "/usr/include/plugin_exporter/testing/fake_host.hpp",
                     "/usr/include/plugin_exporter/single_flight.hpp",
                     f"{libdir}/libplugin_exporter_sdk.a",
                     f"{libdir}/libplugin_exporter_exposition.a",
                     f"{libdir}/cmake/plugin_exporter_sdk/plugin_exporter_sdkConfig.cmake",
                     f"{libdir}/cmake/plugin_exporter_sdk/plugin_exporter_sdkConfigVersion.cmake",
                     f"{libdir}/cmake/plugin_exporter_sdk/PluginExporterPlugin.cmake",
                     f"{libdir}/pkgconfig/plugin_exporter.pc",
                     "/usr/share/plugin_exporter/examples/hello/hello.c",
                     "/usr/share/plugin_exporter/examples/hello/CMakeLists.txt",
                     "/usr/share/plugin_exporter/examples/hello/Makefile.pkgconfig",
                     "/usr/share/plugin_exporter/examples/hello_cpp/hello_cpp.cpp",
                     "/usr/share/plugin_exporter/examples/hello_cpp/hello_cpp_test.cpp",
                     "/usr/share/doc/plugin-exporter-dev/copyright"):
            self.assertIn(path, files)
        for path in files:
            self.assertFalse(path.startswith("/usr/bin") or path.endswith(".so") or
                             path.startswith("/etc"), path)

    def test_lintian(self):
        """No errors; every warning is one explained in LINTIAN_EXPLAINED."""
        r = run(["lintian", "--no-tag-display-limit", runtime_deb(), dev_deb()], check=False,
                timeout=600)
        tags = [line for line in r.stdout.splitlines() if re.match(r"^[EW]: ", line)]
        errors = [t for t in tags if t.startswith("E: ")]
        self.assertEqual(errors, [], r.stdout)
        unexplained = [t for t in tags if t.split()[2] not in LINTIAN_EXPLAINED]
        self.assertEqual(unexplained, [], r.stdout)
        self.assertIn(r.returncode, (0, 1), r.stderr)

    def test_man_page_describes_every_flag_of_help(self):
        with tempfile.TemporaryDirectory(prefix="pe-pkg-") as tmp:
            run(["dpkg-deb", "-x", runtime_deb(), tmp])
            help_text = run([os.path.join(tmp, "usr/bin/plugin_exporter"), "--help"]).stdout
            with gzip.open(os.path.join(tmp, "usr/share/man/man1/plugin_exporter.1.gz"), "rt") as f:
                man = f.read().replace("\\-", "-")
        flags = set(re.findall(r"(?<![\w-])(--?[a-z][a-z.-]*)", help_text))
        self.assertIn("--config.file", flags)
        self.assertIn("--web.listen-address", flags)
        for flag in flags:
            self.assertIn(flag, man, f"{flag} of --help is not in the manual page")
        for command in re.findall(r"^  ([a-z][a-z-]+) ", help_text.split("Commands:")[1], re.M):
            self.assertIn(command, man)
        self.assertIn(f"plugin_exporter {VERSION}", man)
        self.assertNotIn("@", re.sub(r"@-|[\w.+-]+@[\w.-]+", "", man), "unsubstituted placeholder")

    def test_changelog_names_this_version(self):
        with open(os.path.join(SOURCE_DIR, "packaging/doc/changelog")) as f:
            self.assertTrue(f.readline().startswith(f"plugin-exporter ({VERSION}) "))


# Lintian warnings this package knowingly has, and why (tag -> reason).
LINTIAN_EXPLAINED = {
}


def rpm_query(package, *args):
    return run(["rpm", "-qp", *args, package]).stdout


def runtime_rpm():
    return one_file(RPM_DIR, f"plugin-exporter-{VERSION}-1.*.rpm")


def devel_rpm():
    return one_file(RPM_DIR, f"plugin-exporter-devel-{VERSION}-1.*.rpm")


def rpm_owned(package):
    """{path: mode string} of everything the package owns, directories included."""
    out = {}
    for line in rpm_query(package, "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]").splitlines():
        mode, path = line.split(" ", 1)
        out[path] = mode
    return out


class RpmPackageContents(unittest.TestCase):
    """The .rpm files: header, requirements, files, configuration, scriptlets."""

    def test_runtime_header(self):
        info = run(["rpm", "-qip", runtime_rpm()]).stdout
        self.assertRegex(info, r"(?m)^Name\s*: plugin-exporter$")
        self.assertRegex(info, rf"(?m)^Version\s*: {re.escape(VERSION)}$")
        self.assertRegex(info, r"(?m)^Release\s*: 1$")
        self.assertRegex(info, r"(?m)^Architecture: x86_64$")
        self.assertRegex(info, r"(?m)^License\s*: Apache-2.0$")
        self.assertRegex(info, r"(?m)^Summary\s*: Prometheus exporter with collector plugins$")
        self.assertIn("pushgateway-compatible", info)

    def test_runtime_requires_are_computed(self):
        requires = rpm_query(runtime_rpm(), "--requires")
        for soname in ("libc.so.6(GLIBC_", "libstdc++.so.6(", "libpq.so.5()(64bit)",
                       "libPocoFoundation.so", "libPocoNetSSL.so", "libprotobuf-lite.so",
                       "libre2.so", "libz.so.1()(64bit)"):
            self.assertIn(soname, requires)
        self.assertIn("shadow-utils", requires)  # useradd in %pre
        # The plugins are not libraries anyone links: no Provides for them.
        provides = rpm_query(runtime_rpm(), "--provides")
        self.assertNotIn(".so", provides)

    def test_runtime_files(self):
        owned = rpm_owned(runtime_rpm())
        for path in (BINARY, CONFIG, f"/usr/lib/systemd/system/{UNIT}",
                     "/usr/share/man/man1/plugin_exporter.1.gz",
                     *[f"/usr/lib64/plugin_exporter/plugins/{p}.so" for p in PLUGINS]):
            self.assertIn(path, owned)
            self.assertTrue(owned[path].startswith("-"), path)
        self.assertEqual(owned[BINARY], "-rwxr-xr-x")
        # Directories it owns are its own, never the system's (/etc, /usr/lib64, ...).
        for path, mode in owned.items():
            if mode.startswith("d"):
                self.assertRegex(path, r"plugin[_-]exporter", f"owns system directory {path}")
        self.assertEqual(rpm_query(runtime_rpm(), "--configfiles").split(), [CONFIG])
        self.assertIn(CONFIG, rpm_query(runtime_rpm(), "--dump"))

    def test_runtime_scriptlets(self):
        scripts = rpm_query(runtime_rpm(), "--scripts")
        self.assertRegex(scripts, r"preinstall scriptlet[^\n]*:\n(.*\n)*.*useradd --system")
        self.assertIn("systemctl --no-reload preset plugin_exporter.service", scripts)
        self.assertIn("systemctl --no-reload disable", scripts)
        self.assertIn("try-restart plugin_exporter.service", scripts)
        self.assertIn("/sbin/nologin", scripts)
        self.assertNotIn("@PE_", scripts)
        # rpm expands macros even in scriptlet comments: none may hide there.
        self.assertNotIn("%", scripts)

    def test_unit_points_at_the_rpm_layout(self):
        with tempfile.TemporaryDirectory(prefix="pe-pkg-") as tmp:
            unpack = subprocess.run(f"rpm2archive - < '{runtime_rpm()}' | tar -xzf -", shell=True,
                                    cwd=tmp, capture_output=True, text=True, timeout=120)
            self.assertEqual(unpack.returncode, 0, unpack.stderr)
            with open(os.path.join(tmp, f"usr/lib/systemd/system/{UNIT}")) as f:
                self.assertIn(f"ExecStart={BINARY} ", f.read())
            with gzip.open(os.path.join(tmp, "usr/share/man/man1/plugin_exporter.1.gz"), "rt") as f:
                self.assertIn("/usr/lib64/plugin_exporter/plugins", f.read())

    def test_devel_package(self):
        rpm = devel_rpm()
        info = run(["rpm", "-qip", rpm]).stdout
        self.assertRegex(info, r"(?m)^Name\s*: plugin-exporter-devel$")
        owned = rpm_owned(rpm)
        for path in ("/usr/include/plugin_exporter/plugin.h",
                     "/usr/lib64/libplugin_exporter_sdk.a",
                     "/usr/lib64/cmake/plugin_exporter_sdk/plugin_exporter_sdkConfig.cmake",
                     "/usr/lib64/pkgconfig/plugin_exporter.pc",
                     "/usr/share/plugin_exporter/examples/hello/hello.c"):
            self.assertIn(path, owned)
        for path, mode in owned.items():
            if mode.startswith("d"):
                self.assertRegex(path, r"plugin[_-]exporter", f"owns system directory {path}")
        requires = rpm_query(rpm, "--requires")
        self.assertIn("re2-devel", requires)
        self.assertIn("zlib-devel", requires)
        self.assertIn(f"pkgconfig(plugin_exporter) = {VERSION}", rpm_query(rpm, "--provides"))


def dpkg(*args):
    """dpkg as a non-interactive administrator would run it; waits while
    another dpkg or apt holds the lock."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    deadline = time.monotonic() + 300
    while True:
        r = subprocess.run(["dpkg", *args], capture_output=True, text=True, timeout=600,
                           stdin=subprocess.DEVNULL, env=env)
        if r.returncode == 0:
            return r
        if "lock" in r.stderr and time.monotonic() < deadline:
            time.sleep(2)
            continue
        raise AssertionError(f"dpkg {' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")


def deb_status(package):
    r = run(["dpkg-query", "-W", "-f=${Status}", package], check=False)
    return r.stdout.strip() if r.returncode == 0 else "not-installed"


# As the service user, the way systemd would start it: setpriv execs the
# program itself (runuser would fork a PAM session process around it and turn
# the daemon's clean SIGTERM exit into its own "killed" status).
AS_SERVICE_USER = ["setpriv", f"--reuid={SERVICE_USER}", f"--regid={SERVICE_USER}",
                   "--init-groups", "--reset-env", "--"]


def as_service_user(*argv, check=True):
    return run([*AS_SERVICE_USER, *argv], check=check)


class InstalledDaemon:
    """The installed binary run as the service user (no systemd here) on a
    free 127.0.0.1 port."""

    def __init__(self, tmpdir, config=CONFIG, name="daemon"):
        self.port = h.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [*AS_SERVICE_USER, BINARY, f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{self.port}"]
        self.process = h.Process(argv, log_path=os.path.join(tmpdir, f"{name}.log"))
        try:
            h.wait_for(lambda: not self.process.alive() or self.get("/readyz").status == 200, 30,
                       what="the installed plugin_exporter to be ready")
        except TimeoutError:
            self.process.stop()
            raise
        if not self.process.alive():
            raise AssertionError("the installed plugin_exporter exited at start:\n" +
                                 self.process.log())

    def get(self, path):
        return h.get(self.base + path, timeout=10)

    def metrics(self):
        r = self.get("/metrics")
        if r.status != 200:
            raise AssertionError(f"/metrics answered {r.status}: {r.text}")
        return r.text

    def stop(self):
        return self.process.stop()


def uncomment_examples(config_text):
    """The configuration with its commented-out examples switched on: lines
    '# [table]', '# [[array]]' and '# key = value'."""
    pattern = re.compile(r"^# ((\[\[?[a-z_.]+\]\]?)|([a-z_]+ = .*))$")
    return "\n".join(pattern.sub(r"\1", line) for line in config_text.splitlines()) + "\n"


class DebianPackageLifecycle(unittest.TestCase):
    """Install, check, run, scrape, build plugins against -dev, upgrade,
    remove and purge, on this machine (root needed)."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("installs packages: needs root")
        for package in ("plugin-exporter-dev", "plugin-exporter"):
            if deb_status(package) != "not-installed":
                print(f"test_packages: purging a {package} left installed", file=sys.stderr)
                dpkg("--purge", package)
        cls.user_existed = _exists(pwd.getpwnam, SERVICE_USER)
        cls.group_existed = _exists(grp.getgrnam, SERVICE_USER)
        cls.tmp = tempfile.mkdtemp(prefix="pe-pkg-")
        os.chmod(cls.tmp, 0o755)  # the service user loads plugins built here
        cls.daemons = []

    @classmethod
    def tearDownClass(cls):
        for daemon in cls.daemons:
            daemon.stop()
        for package in ("plugin-exporter-dev", "plugin-exporter"):
            if deb_status(package) != "not-installed":
                dpkg("--purge", package)
        # The package keeps its system user on purge (Debian practice); the
        # test leaves the machine as it found it.
        if not cls.user_existed and _exists(pwd.getpwnam, SERVICE_USER):
            run(["userdel", SERVICE_USER], check=False)
        if not cls.group_existed and _exists(grp.getgrnam, SERVICE_USER):
            run(["groupdel", SERVICE_USER], check=False)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def start_daemon(self, **kw):
        daemon = InstalledDaemon(self.tmp, **kw)
        self.daemons.append(daemon)
        return daemon

    def stop_daemon(self, daemon):
        self.daemons.remove(daemon)
        code = daemon.stop()
        self.assertEqual(code, 0, daemon.process.log())

    def test_install_run_build_plugins_reload_upgrade_remove(self):
        self.install_runtime()
        self.check_installed_layout()
        self.check_unit()
        self.check_default_config()
        self.check_documented_examples()
        self.run_scrape_and_push()
        self.check_system_calls_within_unit_filter()
        self.build_plugins_against_dev_package()
        self.reload_then_upgrade_keeps_modified_config_and_state()
        self.remove_and_purge()

    # --- the steps -----------------------------------------------------------

    def install_runtime(self):
        dpkg("-i", runtime_deb())
        self.assertEqual(deb_status("plugin-exporter"), "install ok installed")

    def check_installed_layout(self):
        plugin_dir = f"/usr/lib/{deb_multiarch()}/plugin_exporter/plugins"
        for plugin in PLUGINS:
            self.assertTrue(os.path.isfile(f"{plugin_dir}/{plugin}.so"), plugin)
        self.assertTrue(os.access(BINARY, os.X_OK))
        self.assertIn(f"version {VERSION}", run([BINARY, "--version"]).stdout)
        user = pwd.getpwnam(SERVICE_USER)
        self.assertLess(user.pw_uid, 1000, "not a system user")
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        self.assertEqual(user.pw_dir, STATE_DIR)
        self.assertEqual(grp.getgrgid(user.pw_gid).gr_name, SERVICE_USER)
        st = os.stat(STATE_DIR)
        self.assertEqual((st.st_uid, st.st_gid), (user.pw_uid, user.pw_gid))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o750)
        # No systemd runs here: the postinst recorded the enablement only.
        self.assertTrue(os.path.islink(f"/etc/systemd/system/multi-user.target.wants/{UNIT}"))
        # The maintainer scripts are idempotent: configuring again changes nothing.
        run(["dpkg-reconfigure", "-fnoninteractive", "plugin-exporter"])
        self.assertEqual(pwd.getpwnam(SERVICE_USER).pw_uid, user.pw_uid)

    def check_unit(self):
        unit = f"{deb_unit_dir()}/{UNIT}"
        verify = run(["systemd-analyze", "verify", unit], check=False)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertEqual(verify.stderr.strip(), "", "systemd-analyze verify warned")
        security = run(["systemd-analyze", "security", "--offline=true", unit], check=False)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", security.stdout)
        self.assertIsNotNone(m, security.stdout + security.stderr)
        print(f"\n  systemd-analyze security: exposure {m.group(1)} (0 = sandboxed .. 10 = exposed)",
              file=sys.stderr)
        self.assertLessEqual(float(m.group(1)), 2.0, security.stdout)

    def check_default_config(self):
        r = as_service_user(BINARY, "--check-config", f"--config.file={CONFIG}")
        self.assertEqual(r.stdout.strip(), f"{CONFIG}: OK (1 collector)")

    def check_documented_examples(self):
        """The examples commented out in the default configuration are valid."""
        with open(CONFIG) as f:
            text = uncomment_examples(f.read())
        stand_ins = os.path.join(self.tmp, "example-files")
        os.makedirs(stand_ins)
        os.chmod(stand_ins, 0o755)
        uid, gid = pwd.getpwnam(SERVICE_USER).pw_uid, grp.getgrnam(SERVICE_USER).gr_gid
        for path in sorted(set(re.findall(r'"(/[^"]+\.(?:token|password|sh))"', text))):
            stand_in = os.path.join(stand_ins, os.path.basename(path))
            with open(stand_in, "w") as f:
                f.write("#!/bin/sh\necho example_up 1\n" if path.endswith(".sh")
                        else os.urandom(16).hex() + "\n")
            if path.endswith(".sh"):
                os.chown(stand_in, 0, gid)
                os.chmod(stand_in, 0o750)
            else:  # as the configuration's comment says: the service user's, 0600
                os.chown(stand_in, uid, gid)
                os.chmod(stand_in, 0o600)
            text = text.replace(f'"{path}"', f'"{stand_in}"')
        config = os.path.join(stand_ins, "examples.toml")
        with open(config, "w") as f:
            f.write(text)
        os.chmod(config, 0o644)
        r = as_service_user(BINARY, "--check-config", f"--config.file={config}", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), f"{config}: OK (5 collectors)")

    def run_scrape_and_push(self):
        daemon = self.start_daemon()
        text = daemon.metrics()
        self.assertEqual(h.find(text, "plugin_exporter_build_info", version=VERSION), [1.0])
        self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="push"), [1.0])
        r = h.http("PUT", daemon.base + "/metrics/job/package_test",
                   body=b"# TYPE package_test_pushed gauge\npackage_test_pushed 42\n")
        self.assertIn(r.status, (200, 202), r.text)
        self.assertEqual(h.find(daemon.metrics(), "package_test_pushed", job="package_test"), [42.0])
        self.stop_daemon(daemon)
        # The push collector's durable store, written by the service user.
        store = os.path.join(STATE_DIR, "push")
        self.assertTrue(os.listdir(store), "no state written")
        self.assertEqual(os.stat(store).st_uid, pwd.getpwnam(SERVICE_USER).pw_uid)

    def check_system_calls_within_unit_filter(self):
        """With no systemd here to apply the unit's sandbox, trace the
        installed daemon with all five plugins at work (and the program the
        script plugin runs): every system call it makes must be in the unit's
        SystemCallFilter=@system-service, every socket in its
        RestrictAddressFamilies=."""
        work = os.path.join(self.tmp, "syscalls")
        os.makedirs(os.path.join(work, "state"))
        os.makedirs(os.path.join(work, "prom"))
        with open(os.path.join(work, "prom", "a.prom"), "w") as f:
            f.write("textfile_metric 1\n")
        user = pwd.getpwnam(SERVICE_USER)
        os.chown(os.path.join(work, "state"), user.pw_uid, user.pw_gid)
        for d in (work, os.path.join(work, "prom")):
            os.chmod(d, 0o755)
        config = os.path.join(work, "all-plugins.toml")
        with open(config, "w") as f:
            f.write(f'state_dir = "{work}/state"\n'
                    '[[collector]]\nname = "push"\nplugin = "push"\n'
                    '[[collector]]\nname = "hello"\nplugin = "hello"\n'
                    '[[collector]]\nname = "files"\nplugin = "proxy"\n'
                    f'[collector.config]\nfiles = "{work}/prom/*.prom"\n'
                    '[[collector]]\nname = "sh"\nplugin = "script"\n[collector.config]\n'
                    'command = ["/bin/sh", "-c", "echo script_metric 1"]\n'
                    '[[collector]]\nname = "pg"\nplugin = "postgres"\ntimeout = "2s"\n'
                    f'[collector.config]\nhost = "127.0.0.1"\nport = {h.free_port()}\n'
                    'dbname = "none"\nuser = "none"\n')
        os.chmod(config, 0o644)
        trace = os.path.join(work, "strace.txt")
        port = h.free_port()
        base = f"http://127.0.0.1:{port}"
        process = h.Process(["strace", "-f", "-qq", "-o", trace, *AS_SERVICE_USER, BINARY,
                             f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
                            log_path=os.path.join(work, "daemon.log"))
        try:
            h.wait_for(lambda: h.get(base + "/readyz", timeout=5).status == 200, 60,
                       what="the traced daemon to be ready")
            h.http("PUT", base + "/metrics/job/traced", body=b"traced_push 1\n")
            text = h.get(base + "/metrics", timeout=30).text
            for metric in ("traced_push", "hello_value", "textfile_metric", "script_metric"):
                self.assertTrue(h.find(text, metric), f"{metric} missing:\n{text}")
        finally:
            process.stop()
        used, families = set(), set()
        with open(trace) as f:
            for line in f:
                m = re.match(r"^\d+ +(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
                if m:
                    used.add(m.group(1))
                families.update(re.findall(r"socket\((AF_[A-Z0-9]+)", line))
        self.assertGreater(len(used), 30, "nothing traced")
        not_allowed = sorted(used - system_call_group("@system-service"))
        self.assertEqual(not_allowed, [], "system calls the unit's filter refuses")
        self.assertLessEqual(families, {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"})
        print(f"  traced: {len(used)} distinct system calls, all in @system-service; "
              f"socket families {sorted(families)}", file=sys.stderr)

    def build_plugins_against_dev_package(self):
        """Only the installed files: the example's installed sources, the CMake
        package and pkg-config file under /usr, no source tree."""
        dpkg("-i", dev_deb())
        examples = "/usr/share/plugin_exporter/examples/hello"
        built = {}

        source = os.path.join(self.tmp, "hello-cmake")
        shutil.copytree(examples, source)
        build = os.path.join(self.tmp, "hello-cmake-build")
        run(["cmake", "-S", source, "-B", build])
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            self.assertIn(f"plugin_exporter_sdk_DIR:PATH=/usr/lib/{deb_multiarch()}/cmake/"
                          "plugin_exporter_sdk", f.read())
        run(["cmake", "--build", build])
        built["cmake"] = os.path.join(build, "hello.so")

        source = os.path.join(self.tmp, "hello-pkgconfig")
        shutil.copytree(examples, source)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PKG_CONFIG")}
        run(["make", "-f", "Makefile.pkgconfig"], cwd=source, env=env)
        built["pkg-config"] = os.path.join(source, "hello.so")
        # Where a third party's package puts its plugin, as pkg-config says.
        plugindir = run(["pkg-config", "--variable=plugindir", "plugin_exporter"], env=env).stdout
        self.assertEqual(os.path.realpath(plugindir.strip()),
                         f"/usr/lib/{deb_multiarch()}/plugin_exporter/plugins")

        build = os.path.join(self.tmp, "cpp-build")
        run(["cmake", "-S", os.path.join(HERE, "sdk_cpp_plugin"), "-B", build])
        run(["cmake", "--build", build])
        cpp_plugin = os.path.join(build, "sdk_cpp_probe.so")

        for path in [*built.values(), cpp_plugin]:
            exported = run(["nm", "-D", "--defined-only", path]).stdout.split()
            self.assertIn("plugin_exporter_entry", exported, path)
        config = os.path.join(self.tmp, "third-party.toml")
        with open(config, "w") as f:
            for how, path in built.items():
                f.write(f'[[collector]]\nname = "hello-{how}"\nplugin = "{path}"\n'
                        f'[collector.config]\ngreeting = "built with {how}"\n\n')
            f.write(f'[[collector]]\nname = "cpp"\nplugin = "{cpp_plugin}"\n[collector.config]\n'
                    'exposition = """\n# TYPE a gauge\na 1\n# TYPE b_total counter\nb_total{x="1"} 2\n'
                    'b_total{x="2"} 3\n"""\n')
        os.chmod(config, 0o644)
        as_service_user(BINARY, "--check-config", f"--config.file={config}")
        daemon = self.start_daemon(config=config, name="third-party")
        text = daemon.metrics()
        self.stop_daemon(daemon)
        for how in built:
            self.assertEqual(h.find(text, "hello_info", greeting=f"built with {how}"), [1.0], how)
            self.assertEqual(h.find(text, "plugin_exporter_collector_success",
                                    collector=f"hello-{how}"), [1.0], how)
        self.assertEqual(h.find(text, "sdk_cpp_probe_families"), [2.0])
        self.assertEqual(h.find(text, "sdk_cpp_probe_samples"), [3.0])

    def reload_then_upgrade_keeps_modified_config_and_state(self):
        with open(CONFIG) as f:
            original = f.read()
        modified = original.replace('name = "push"\nplugin = "push"\n',
                                    'name = "push"\nplugin = "push"\n'
                                    'labels = { site = "package-test" }  # changed locally\n')
        self.assertNotEqual(modified, original)
        # What the unit's ExecReload does (SIGHUP) applies the change to the
        # running daemon; the recreated push collector reloads its store.
        daemon = self.start_daemon(name="reloaded")
        self.assertEqual(h.find(daemon.metrics(), "package_test_pushed", job="package_test"), [42.0])
        with open(CONFIG, "w") as f:
            f.write(modified)
        daemon.process.send_signal(signal.SIGHUP)
        h.wait_for(lambda: h.find(daemon.metrics(), "package_test_pushed", job="package_test",
                                  site="package-test") == [42.0], 20,
                   what="the reloaded configuration's label on the pushed metric")
        self.assertEqual(h.find(daemon.metrics(), "plugin_exporter_config_last_reload_successful"),
                         [1.0])
        self.stop_daemon(daemon)

        dpkg("-i", runtime_deb())
        self.assertEqual(deb_status("plugin-exporter"), "install ok installed")
        with open(CONFIG) as f:
            self.assertEqual(f.read(), modified, "the upgrade replaced the modified configuration")
        self.assertFalse(os.path.exists(CONFIG + ".dpkg-new") or os.path.exists(CONFIG + ".dpkg-dist"))
        daemon = self.start_daemon(name="upgraded")
        text = daemon.metrics()
        self.stop_daemon(daemon)
        # The modified configuration is in effect and the pushed group survived.
        self.assertEqual(h.find(text, "package_test_pushed", job="package_test",
                                site="package-test"), [42.0])

    def remove_and_purge(self):
        dpkg("--remove", "plugin-exporter-dev", "plugin-exporter")
        self.assertFalse(os.path.exists(BINARY))
        self.assertFalse(os.path.exists("/usr/include/plugin_exporter"))
        self.assertFalse(os.path.exists(f"/usr/lib/{deb_multiarch()}/plugin_exporter"))
        self.assertEqual(deb_status("plugin-exporter"), "deinstall ok config-files")
        self.assertTrue(os.path.exists(CONFIG), "remove must keep the configuration")
        self.assertTrue(os.path.isdir(STATE_DIR), "remove must keep the state")

        dpkg("--purge", "plugin-exporter")
        self.assertEqual(deb_status("plugin-exporter"), "not-installed")
        self.assertEqual(deb_status("plugin-exporter-dev"), "not-installed")
        for leftover in ("/etc/plugin_exporter", STATE_DIR, "/usr/share/doc/plugin-exporter",
                         f"/etc/systemd/system/multi-user.target.wants/{UNIT}",
                         f"/etc/systemd/system/{UNIT}",
                         f"/var/lib/systemd/deb-systemd-helper-enabled/{UNIT}.dsh-also",
                         f"/var/lib/systemd/deb-systemd-helper-masked/{UNIT}"):
            self.assertFalse(os.path.lexists(leftover), f"{leftover} left after purge")


def system_call_group(name):
    """The system calls of a systemd filter group (e.g. @system-service), with
    its nested groups expanded, as this machine's systemd-analyze knows it."""
    groups, current = {}, None
    for line in run(["systemd-analyze", "syscall-filter"]).stdout.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if not line.startswith(" ") and entry.startswith("@"):
            current = groups.setdefault(entry, [])
        elif current is not None:
            current.append(entry)

    def expand(group):
        calls = set()
        for entry in groups.get(group, []):
            calls |= expand(entry) if entry.startswith("@") else {entry}
        return calls
    return expand(name)


def _exists(lookup, name):
    try:
        lookup(name)
        return True
    except KeyError:
        return False


if __name__ == "__main__":
    unittest.main()
