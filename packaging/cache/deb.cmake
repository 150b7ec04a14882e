# deb.cmake — initial cache for the Debian packages (make package):
#   cmake -C packaging/cache/deb.cmake -S . -B build-package-deb -G Ninja
# Libraries and plugins go to GNUInstallDirs' multiarch directory
# (/usr/lib/<triplet>, e.g. /usr/lib/x86_64-linux-gnu/plugin_exporter/plugins).
include(${CMAKE_CURRENT_LIST_DIR}/common.cmake)
set(PE_PACKAGE_FORMAT DEB CACHE STRING "")
