# cpack/common.cmake — what both package formats share: names, version,
# descriptions, the two components (runtime = the daemon and its plugins,
# sdk = headers, static C++ SDK, CMake and pkg-config files, example), then
# the format's own settings (deb.cmake or rpm.cmake) and include(CPack).
# Included from packaging/CMakeLists.txt, whose variables it uses.
set(CPACK_PACKAGE_NAME ${PE_PACKAGE_NAME})
set(CPACK_PACKAGE_VENDOR "plugin_exporter")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${PE_PACKAGE_MAINTAINER}")
# CPackDeb puts a non-default package summary in front of every component's
# description; each package has its own first line instead, so keep CPack's
# default here (RPM takes its Summary from cpack/rpm.cmake).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_GENERATOR ${PE_PACKAGE_FORMAT})
set(CPACK_SOURCE_GENERATOR "")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_RELOCATABLE OFF)  # paths are compiled in (plugin directory)
set(CPACK_COMPONENTS_ALL runtime sdk)
set(CPACK_COMPONENTS_GROUPING IGNORE)  # one package per component

set(PE_FULL_PLUGIN_DIR ${CMAKE_INSTALL_FULL_LIBDIR}/plugin_exporter/plugins)
set(PE_RUNTIME_SUMMARY "Prometheus exporter with collector plugins")
set(PE_RUNTIME_DETAILS "plugin_exporter serves one /metrics on one port. A small host loads
collector plugins through a stable C ABI and owns HTTP(S), authentication,
relabelling, merging, fault isolation and self-metrics.

Plugins in this package: postgres (core and SQL-defined metrics of many
PostgreSQL servers), proxy (exporters running beside it and *.prom files),
script (programs run on scrape, no shell, timeouts), push (a
pushgateway-compatible push gateway with aggregation, TTL and a durable
store) and hello (the SDK's example).

Runs as the plugin_exporter system user under a hardened systemd unit,
configured in /etc/plugin_exporter/plugin_exporter.toml.")
set(PE_SDK_SUMMARY "SDK to build plugin_exporter collector plugins")
set(PE_SDK_DETAILS "Headers of the plugin C ABI and of the C++ layer (with the exposition-format
parser, writer and relabelling engine), the static C++ SDK library, the
CMake package (find_package(plugin_exporter_sdk) and pe_add_plugin()), the
pkg-config file, and the example plugin's sources.")

if(PE_PACKAGE_FORMAT STREQUAL "DEB")
  include(${CMAKE_CURRENT_LIST_DIR}/deb.cmake)
else()
  include(${CMAKE_CURRENT_LIST_DIR}/rpm.cmake)
endif()

include(CPack)
cpack_add_component(runtime DISPLAY_NAME "plugin_exporter" DESCRIPTION "${PE_RUNTIME_SUMMARY}")
cpack_add_component(sdk DISPLAY_NAME "plugin_exporter SDK" DESCRIPTION "${PE_SDK_SUMMARY}")
