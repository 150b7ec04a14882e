# cpack/rpm.cmake — the RPM packages plugin-exporter and plugin-exporter-devel.
# Requirements come from rpmbuild's automatic dependency generators (sonames,
# pkg-config); the plugins are excluded from the automatic Provides (they are
# not libraries anyone links). The configuration file is
# %config(noreplace); system directories are left to the filesystem package.
set(CPACK_RPM_COMPONENT_INSTALL ON)
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)      # <name>-<version>-<release>.<arch>.rpm
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_AUTOREQPROV yes)
# No /usr/lib/.build-id links: they would make the package own directories
# there; debuginfo is not packaged.
set(CPACK_RPM_SPEC_MORE_DEFINE "%global __provides_exclude_from ^${PE_FULL_PLUGIN_DIR}/.*$
%define _build_id_links none")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
  /usr/lib/systemd /usr/lib/systemd/system
  /usr/share/man /usr/share/man/man1
  ${CMAKE_INSTALL_FULL_LIBDIR}/cmake ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig)

set(CPACK_RPM_RUNTIME_PACKAGE_NAME ${PE_PACKAGE_NAME})
set(CPACK_RPM_RUNTIME_PACKAGE_SUMMARY "${PE_RUNTIME_SUMMARY}")
set(CPACK_RPM_RUNTIME_PACKAGE_DESCRIPTION "${PE_RUNTIME_DETAILS}")
set(CPACK_RPM_RUNTIME_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_RUNTIME_PACKAGE_REQUIRES_PRE "shadow-utils")
set(CPACK_RPM_RUNTIME_USER_FILELIST "%config(noreplace) ${PE_CONFIG_INSTALL_DIR}/plugin_exporter.toml")
set(CPACK_RPM_RUNTIME_PRE_INSTALL_SCRIPT_FILE ${PE_SCRIPTS_DIR}/pre.sh)
set(CPACK_RPM_RUNTIME_POST_INSTALL_SCRIPT_FILE ${PE_SCRIPTS_DIR}/post.sh)
set(CPACK_RPM_RUNTIME_PRE_UNINSTALL_SCRIPT_FILE ${PE_SCRIPTS_DIR}/preun.sh)
set(CPACK_RPM_RUNTIME_POST_UNINSTALL_SCRIPT_FILE ${PE_SCRIPTS_DIR}/postun.sh)

set(CPACK_RPM_SDK_PACKAGE_NAME ${PE_DEV_PACKAGE_NAME})
set(CPACK_RPM_SDK_PACKAGE_SUMMARY "${PE_SDK_SUMMARY}")
set(CPACK_RPM_SDK_PACKAGE_DESCRIPTION "${PE_SDK_DETAILS}")
set(CPACK_RPM_SDK_PACKAGE_GROUP "Development/Libraries")
# The static SDK library links RE2 and zlib: plugins using it need them too.
set(CPACK_RPM_SDK_PACKAGE_REQUIRES "re2-devel, zlib-devel")
