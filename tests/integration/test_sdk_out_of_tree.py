"""test_sdk_out_of_tree.py — a third party's view: install only the SDK, build
the plain-C example plugin out of tree with CMake's find_package and with
pkg-config, and the C++ example with its fake-host unit test by the commands
sdk/README.md gives, and load each result in the host."""
import os
import re
import shutil
import subprocess
import unittest

import harness as h


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed:\n{r.stdout}\n{r.stderr}")
    return r


class SdkOutOfTree(unittest.TestCase):
    def serve(self, tmp, plugin_path):
        config = (f'[[collector]]\nname = "third-party"\nplugin = "{plugin_path}"\n'
                  '[collector.config]\ngreeting = "built out of tree"\n')
        exporter = h.Exporter(tmp, config)
        try:
            text = exporter.metrics()
        finally:
            exporter.stop()
        self.assertEqual(h.find(text, "hello_info", greeting="built out of tree"), [1.0])
        self.assertEqual(h.find(text, "plugin_exporter_collector_success", collector="third-party"), [1.0])

    def test_find_package_and_pkg_config_builds_load(self):
        with h.temp_dir() as tmp:
            prefix = os.path.join(tmp, "prefix")
            run(["cmake", "--install", h.BUILD_DIR, "--component", "sdk", "--prefix", prefix])
            self.assertTrue(os.path.exists(os.path.join(prefix, "include/plugin_exporter/plugin.h")))
            examples = os.path.join(prefix, "share/plugin_exporter/examples/hello")
            self.assertTrue(os.path.exists(os.path.join(examples, "hello.c")))

            # CMake: find_package(plugin_exporter_sdk), nothing from the source tree.
            build = os.path.join(tmp, "cmake-build")
            run(["cmake", "-S", examples, "-B", build, f"-DCMAKE_PREFIX_PATH={prefix}"])
            run(["cmake", "--build", build])
            built = os.path.join(build, "hello.so")
            self.assertTrue(os.path.exists(built))
            exported = run(["nm", "-D", "--defined-only", built]).stdout
            symbols = [l.split()[-1] for l in exported.splitlines() if " T " in l]
            self.assertEqual(symbols, ["plugin_exporter_entry"])  # one exported symbol
            self.serve(tmp, built)

            # pkg-config.
            src = os.path.join(tmp, "pkgconfig-build")
            shutil.copytree(examples, src)
            libdir = next(d for d in ("lib", "lib64", "lib/x86_64-linux-gnu")
                          if os.path.exists(os.path.join(prefix, d, "pkgconfig")))
            env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, libdir, "pkgconfig"))
            run(["make", "-f", "Makefile.pkgconfig"], cwd=src, env=env)
            self.serve(tmp, os.path.join(src, "hello.so"))

            # A C++ plugin on the static C++ layer, linked through pkg-config.
            probe = os.path.join(h.SOURCE_DIR, "tests/packaging/sdk_cpp_plugin/sdk_cpp_probe.cpp")
            flags = run(["pkg-config", "--cflags", "--libs", "plugin_exporter_sdk"], env=env).stdout.split()
            built = os.path.join(tmp, "sdk_cpp_probe.so")
            run(["g++", "-std=c++20", "-O2", "-fPIC", "-fvisibility=hidden", "-shared",
                 "-Wl,-z,defs", "-o", built, probe, *flags])
            config = (f'[[collector]]\nname = "probe"\nplugin = "{built}"\n[collector.config]\n'
                      'exposition = "# TYPE a gauge\\na 1\\na{x=\\"2\\"} 2\\n"\n')
            exporter = h.Exporter(tmp, config)
            try:
                text = exporter.metrics()
            finally:
                exporter.stop()
            self.assertEqual(h.find(text, "sdk_cpp_probe_samples"), [2.0])

    def test_readme_commands_literally_without_zlib(self):
        """The README's "Writing a plugin" commands, as written (DIR = a
        --prefix install), with zlib's CMake package made unfindable: a C
        plugin on plugin_exporter::headers must not need it."""
        with h.temp_dir() as tmp:
            prefix = os.path.join(tmp, "DIR")
            run(["cmake", "--install", h.BUILD_DIR, "--component", "sdk", "--prefix", prefix])
            if not os.path.isdir(os.path.join(prefix, "lib/pkgconfig")):
                self.skipTest("this build installs libraries below lib/<triplet>")
            script = f"""set -e
DIR={prefix}
cmake -S $DIR/share/plugin_exporter/examples/hello -B hello-build -DCMAKE_PREFIX_PATH=$DIR \\
  -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=TRUE
cmake --build hello-build
export PKG_CONFIG_PATH=$DIR/lib/pkgconfig
cc -std=c99 -O2 -Wall -fPIC -fvisibility=hidden $(pkg-config --cflags plugin_exporter) \\
   -shared -Wl,-z,defs -o myhello.so $DIR/share/plugin_exporter/examples/hello/hello.c
pkg-config --variable=plugindir plugin_exporter
"""
            r = run(["bash", "-c", script], cwd=tmp)
            self.assertTrue(r.stdout.strip().endswith("plugin_exporter/plugins"), r.stdout)
            self.serve(tmp, os.path.join(tmp, "hello-build", "hello.so"))
            self.serve(tmp, os.path.join(tmp, "myhello.so"))

    def test_sdk_readme_builds_and_tests_hello_cpp(self):
        """sdk/README.md's "Building out of tree" commands, as written (DIR =
        a --prefix install): the C++ example and its unit test on the fake
        host build from the installed headers only, the test passes, and the
        plugin loads in the host."""
        with open(os.path.join(h.SOURCE_DIR, "sdk/README.md")) as f:
            readme = f.read()
        section = readme.split("## Building out of tree", 1)[1]
        commands = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
        with h.temp_dir() as tmp:
            prefix = os.path.join(tmp, "DIR")
            run(["cmake", "--install", h.BUILD_DIR, "--component", "sdk", "--prefix", prefix])
            self.assertTrue(os.path.exists(
                os.path.join(prefix, "include/plugin_exporter/testing/fake_host.hpp")))
            script = "set -e\n" + commands.replace("DIR", prefix)
            r = run(["bash", "-c", script], cwd=tmp)
            self.assertIn("100% tests passed", r.stdout)
            built = os.path.join(tmp, "hello_cpp", "build", "hello_cpp.so")
            exported = run(["nm", "-D", "--defined-only", built]).stdout
            symbols = [l.split()[-1] for l in exported.splitlines() if " T " in l]
            self.assertEqual(symbols, ["plugin_exporter_entry"])
            config = (f'[[collector]]\nname = "cpp"\nplugin = "{built}"\n'
                      '[collector.config]\ngreeting = "from C++"\nnames = ["out", "of tree"]\n')
            exporter = h.Exporter(tmp, config)
            try:
                text = exporter.metrics()
            finally:
                exporter.stop()
            self.assertEqual(h.find(text, "hello_cpp_info", greeting="from C++"), [1.0])
            self.assertEqual(h.find(text, "hello_cpp_greeting", name="of tree"), [1.0])


if __name__ == "__main__":
    unittest.main()
