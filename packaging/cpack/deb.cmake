# cpack/deb.cmake — the Debian packages plugin-exporter and plugin-exporter-dev.
# Dependencies of the daemon and plugins are computed by dpkg-shlibdeps; the
# maintainer scripts (scripts/deb/) create the user and drive systemd the way
# debhelper's snippets do; the configuration file is a conffile.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PE_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME ${PE_PACKAGE_NAME})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "${PE_RUNTIME_SUMMARY}\n${PE_RUNTIME_DETAILS}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
# useradd/groupadd in the postinst (passwd is required, not essential).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
  ${PE_SCRIPTS_DIR}/postinst ${PE_SCRIPTS_DIR}/prerm ${PE_SCRIPTS_DIR}/postrm
  ${PE_SCRIPTS_DIR}/conffiles)

set(CPACK_DEBIAN_SDK_PACKAGE_NAME ${PE_DEV_PACKAGE_NAME})
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SDK_DESCRIPTION "${PE_SDK_SUMMARY}\n${PE_SDK_DETAILS}")
set(CPACK_DEBIAN_SDK_PACKAGE_SHLIBDEPS OFF)  # headers and a static library
# The static SDK library links RE2 and zlib: plugins using it need them too.
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "libre2-dev, zlib1g-dev")
set(CPACK_DEBIAN_SDK_PACKAGE_RECOMMENDS "cmake, pkg-config")
set(CPACK_DEBIAN_SDK_PACKAGE_SUGGESTS "${PE_PACKAGE_NAME} (= ${PROJECT_VERSION})")
