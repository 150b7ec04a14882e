# Dependencies.cmake — every external library, found from Debian 12 packages.
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

# Debian's PocoDataPostgreSQL targets reference PostgreSQL::client, which no
# package defines (see shared/NOTES.md): define it before asking for Poco.
find_package(PostgreSQL REQUIRED)
if(NOT TARGET PostgreSQL::client)
  add_library(PostgreSQL::client INTERFACE IMPORTED)
  target_link_libraries(PostgreSQL::client INTERFACE PostgreSQL::PostgreSQL)
endif()
find_package(Poco REQUIRED COMPONENTS Foundation Net NetSSL Crypto Util JSON Data DataPostgreSQL)
find_package(tomlplusplus REQUIRED)
# Boost.Beast/Asio (header-only) for the event-driven HTTP server: Debian 12's
# libboost1.81-dev (1.74's Beast lacks fixes to the parser's length checks).
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(prometheus-cpp REQUIRED)
# Remote write (host/remote_write): protobuf-lite and snappy.
find_package(Protobuf REQUIRED)
find_package(Snappy REQUIRED)

if(PE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(PE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
