// builtin_groups.cpp — SQL and column-to-metric tables of the built-in
// groups (names follow postgres_exporter where it has the same figure, with
// _total on counters), and the mapping of their results.
#include "builtin_groups.hpp"

#include <unordered_set>

#include "value_parsing.hpp"

namespace pe::postgres {
namespace {

constexpr MetricType kGauge = MetricType::gauge;
constexpr MetricType kCounter = MetricType::counter;

BuiltinGroup info_group() {
  return {"info",
          "server version, start time, recovery state",
          {{{{0, R"SQL(
SELECT current_setting('server_version_num')::bigint AS version_num,
       extract(epoch FROM pg_postmaster_start_time()) AS start_time,
       pg_is_in_recovery() AS in_recovery)SQL"}},
            {},
            {{"version_num", "pg_server_version_num", kGauge,
              "The server's version as a number (server_version_num)."},
             {"start_time", "pg_postmaster_start_time_seconds", kGauge,
              "When the server (postmaster) started, seconds since the epoch."},
             {"in_recovery", "pg_in_recovery", kGauge,
              "1 if the server is in recovery (a standby), else 0."}}},
           {{{0, "SELECT current_setting('server_version') AS version, 1 AS info"}},
            {"version"},
            {{"info", "pg_server_info", kGauge, "The server's version string (always 1)."}}}}};
}

BuiltinGroup connections_group() {
  return {
      "connections",
      "client connections by database and state; saturation",
      {{{{0, R"SQL(
SELECT d.datname, s.state, coalesce(a.count, 0) AS count
FROM pg_database d
CROSS JOIN (VALUES ('active'), ('idle'), ('idle in transaction'),
                   ('idle in transaction (aborted)'), ('fastpath function call'),
                   ('disabled')) AS s(state)
LEFT JOIN (SELECT datid, state, count(*) AS count FROM pg_stat_activity
           GROUP BY datid, state) a ON a.datid = d.oid AND a.state = s.state
WHERE d.datallowconn ORDER BY 1, 2)SQL"}},
        {"datname", "state"},
        {{"count", "pg_connections", kGauge, "Connections by database and state."}}},
       {{{0, R"SQL(
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS reserved,
       count(*) AS client_backends,
       count(*)::float8 / greatest(current_setting('max_connections')::int
                                   - current_setting('superuser_reserved_connections')::int, 1)
         AS saturation
FROM pg_stat_activity WHERE backend_type = 'client backend')SQL"}},
        {},
        {{"max_connections", "pg_settings_max_connections", kGauge, "The max_connections setting."},
         {"reserved", "pg_settings_superuser_reserved_connections", kGauge,
          "The superuser_reserved_connections setting."},
         {"client_backends", "pg_client_backends", kGauge, "Client connections open now."},
         {"saturation", "pg_connections_saturation_ratio", kGauge,
          "Client connections / (max_connections - superuser_reserved_connections); "
          "at 1 ordinary roles cannot connect."}}}}};
}

BuiltinGroup database_size_group() {
  return {"database_size",
          "size of each database",
          {{{{0, R"SQL(
SELECT datname,
       CASE WHEN has_database_privilege(oid, 'CONNECT')
                 OR pg_has_role('pg_read_all_stats', 'MEMBER')
            THEN pg_database_size(oid) END AS bytes
FROM pg_database WHERE datallowconn)SQL"}},
            {"datname"},
            {{"bytes", "pg_database_size_bytes", kGauge, "Disk space used by the database."}}}}};
}

BuiltinGroup stat_database_group() {
  return {
      "stat_database",
      "pg_stat_database counters per database",
      {{{{0, R"SQL(
SELECT datname, numbackends, xact_commit, xact_rollback, blks_read, blks_hit,
       tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted, conflicts,
       temp_files, temp_bytes, deadlocks, blk_read_time, blk_write_time,
       extract(epoch FROM stats_reset) AS stats_reset
FROM pg_stat_database WHERE datname IS NOT NULL)SQL"}},
        {"datname"},
        {{"numbackends", "pg_stat_database_numbackends", kGauge,
          "Backends connected to the database."},
         {"xact_commit", "pg_stat_database_xact_commit", kCounter, "Transactions committed."},
         {"xact_rollback", "pg_stat_database_xact_rollback", kCounter, "Transactions rolled back."},
         {"blks_read", "pg_stat_database_blks_read", kCounter,
          "Disk blocks read (not found in shared buffers)."},
         {"blks_hit", "pg_stat_database_blks_hit", kCounter,
          "Disk blocks found in shared buffers."},
         {"tup_returned", "pg_stat_database_tup_returned", kCounter, "Rows returned by queries."},
         {"tup_fetched", "pg_stat_database_tup_fetched", kCounter, "Rows fetched by queries."},
         {"tup_inserted", "pg_stat_database_tup_inserted", kCounter, "Rows inserted."},
         {"tup_updated", "pg_stat_database_tup_updated", kCounter, "Rows updated."},
         {"tup_deleted", "pg_stat_database_tup_deleted", kCounter, "Rows deleted."},
         {"conflicts", "pg_stat_database_conflicts", kCounter,
          "Queries cancelled by recovery conflicts (standbys)."},
         {"temp_files", "pg_stat_database_temp_files", kCounter,
          "Temporary files created by queries."},
         {"temp_bytes", "pg_stat_database_temp_bytes", kCounter,
          "Bytes written to temporary files by queries."},
         {"deadlocks", "pg_stat_database_deadlocks", kCounter, "Deadlocks detected."},
         {"blk_read_time", "pg_stat_database_blk_read_time_seconds", kCounter,
          "Time spent reading blocks (needs track_io_timing).", 0.001},
         {"blk_write_time", "pg_stat_database_blk_write_time_seconds", kCounter,
          "Time spent writing blocks (needs track_io_timing).", 0.001},
         {"stats_reset", "pg_stat_database_stats_reset_timestamp_seconds", kGauge,
          "When these statistics were last reset."}}}}};
}

BuiltinGroup locks_group() {
  return {"locks",
          "locks held or awaited, by database and mode",
          {{{{0, R"SQL(
SELECT d.datname, m.mode, coalesce(l.count, 0) AS count
FROM pg_database d
CROSS JOIN (VALUES ('accesssharelock'), ('rowsharelock'), ('rowexclusivelock'),
                   ('shareupdateexclusivelock'), ('sharelock'), ('sharerowexclusivelock'),
                   ('exclusivelock'), ('accessexclusivelock'), ('sireadlock')) AS m(mode)
LEFT JOIN (SELECT database, lower(mode) AS mode, count(*) AS count FROM pg_locks
           GROUP BY 1, 2) l ON l.database = d.oid AND l.mode = m.mode
WHERE d.datallowconn ORDER BY 1, 2)SQL"}},
            {"datname", "mode"},
            {{"count", "pg_locks", kGauge, "Locks by database and mode."}}}}};
}

BuiltinGroup replication_group() {
  return {"replication",
          "replica state and lag; per-standby lag; slots",
          {{{{0, R"SQL(
SELECT pg_is_in_recovery() AS is_replica,
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))
       END AS lag_seconds)SQL"}},
            {},
            {{"is_replica", "pg_replication_is_replica", kGauge,
              "1 if the server is a replica (in recovery), else 0."},
             {"lag_seconds", "pg_replication_lag_seconds", kGauge,
              "On a replica: age of the last replayed transaction while WAL is pending "
              "(0 when caught up or on a primary)."}}},
           {{{0, R"SQL(
SELECT application_name, coalesce(host(client_addr), 'local') AS client_addr, state,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                            ELSE pg_current_wal_lsn() END, replay_lsn) AS lag_bytes,
       extract(epoch FROM replay_lag) AS lag_seconds
FROM pg_stat_replication)SQL"}},
            {"application_name", "client_addr", "state"},
            {{"lag_bytes", "pg_stat_replication_replay_lag_bytes", kGauge,
              "How far each standby's replay is behind this server's WAL position."},
             {"lag_seconds", "pg_stat_replication_replay_lag_seconds", kGauge,
              "Each standby's replay lag as the server measures it."}}},
           {{{0, R"SQL(
SELECT slot_name, slot_type, active::int AS active,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                            ELSE pg_current_wal_lsn() END, restart_lsn) AS retained_bytes
FROM pg_replication_slots)SQL"}},
            {"slot_name", "slot_type"},
            {{"active", "pg_replication_slot_active", kGauge,
              "1 if a client is using the replication slot."},
             {"retained_bytes", "pg_replication_slot_retained_bytes", kGauge,
              "WAL kept on disk for the slot."}}}}};
}

BuiltinGroup transactions_group() {
  return {"transactions",
          "oldest transaction; transaction ID wraparound age",
          {{{{0, R"SQL(
SELECT greatest(0, coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0))
         AS oldest_seconds,
       coalesce(max(age(backend_xmin)), 0) AS oldest_xmin_age,
       current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max_age
FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND xact_start IS NOT NULL)SQL"}},
            {},
            {{"oldest_seconds", "pg_oldest_transaction_age_seconds", kGauge,
              "Age of the oldest open transaction (other than ours)."},
             {"oldest_xmin_age", "pg_oldest_xmin_age", kGauge,
              "Transactions since the oldest snapshot still held (holds back vacuum)."},
             {"freeze_max_age", "pg_settings_autovacuum_freeze_max_age", kGauge,
              "The autovacuum_freeze_max_age setting."}}},
           {{{0, R"SQL(
SELECT datname, age(datfrozenxid) AS xid_age, mxid_age(datminmxid) AS mxid_age
FROM pg_database)SQL"}},
            {"datname"},
            {{"xid_age", "pg_database_xid_age", kGauge,
              "Transactions since the database's oldest unfrozen transaction ID "
              "(wraparound at 2^31)."},
             {"mxid_age", "pg_database_mxid_age", kGauge,
              "Multixacts since the database's oldest unfrozen multixact ID."}}}}};
}

BuiltinGroup bgwriter_group() {
  return {
      "bgwriter",
      "checkpoints and background writer counters",
      {{{{0, R"SQL(
SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time, checkpoint_sync_time,
       buffers_checkpoint, buffers_clean, maxwritten_clean, buffers_backend,
       buffers_backend_fsync, buffers_alloc
FROM pg_stat_bgwriter)SQL"},
         {170000, R"SQL(
SELECT c.num_timed AS checkpoints_timed, c.num_requested AS checkpoints_req,
       c.write_time AS checkpoint_write_time, c.sync_time AS checkpoint_sync_time,
       c.buffers_written AS buffers_checkpoint, b.buffers_clean, b.maxwritten_clean,
       NULL::bigint AS buffers_backend, NULL::bigint AS buffers_backend_fsync, b.buffers_alloc
FROM pg_stat_bgwriter b, pg_stat_checkpointer c)SQL"}},
        {},
        {{"checkpoints_timed", "pg_stat_bgwriter_checkpoints_timed", kCounter,
          "Scheduled checkpoints."},
         {"checkpoints_req", "pg_stat_bgwriter_checkpoints_req", kCounter,
          "Requested checkpoints."},
         {"checkpoint_write_time", "pg_stat_bgwriter_checkpoint_write_time_seconds", kCounter,
          "Time checkpoints spent writing files.", 0.001},
         {"checkpoint_sync_time", "pg_stat_bgwriter_checkpoint_sync_time_seconds", kCounter,
          "Time checkpoints spent syncing files.", 0.001},
         {"buffers_checkpoint", "pg_stat_bgwriter_buffers_checkpoint", kCounter,
          "Buffers written by checkpoints."},
         {"buffers_clean", "pg_stat_bgwriter_buffers_clean", kCounter,
          "Buffers written by the background writer."},
         {"maxwritten_clean", "pg_stat_bgwriter_maxwritten_clean", kCounter,
          "Times the background writer stopped for writing too many buffers."},
         {"buffers_backend", "pg_stat_bgwriter_buffers_backend", kCounter,
          "Buffers written by backends themselves (before PostgreSQL 17)."},
         {"buffers_backend_fsync", "pg_stat_bgwriter_buffers_backend_fsync", kCounter,
          "Times backends had to fsync themselves (before PostgreSQL 17)."},
         {"buffers_alloc", "pg_stat_bgwriter_buffers_alloc", kCounter, "Buffers allocated."}}}}};
}

BuiltinGroup wal_group() {
  return {"wal",
          "WAL files on disk (pg_ls_waldir, granted to pg_monitor)",
          {{{{0, R"SQL(
SELECT count(*) AS segments, coalesce(sum(size), 0) AS bytes
FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$')SQL"}},
            {},
            {{"segments", "pg_wal_segments", kGauge, "WAL segment files on disk."},
             {"bytes", "pg_wal_size_bytes", kGauge, "Size of the WAL segment files."}}}}};
}

// The groups in the order they are documented and collected.
std::vector<BuiltinGroup> make_groups() {
  return {info_group(),          connections_group(), database_size_group(),
          stat_database_group(), locks_group(),       replication_group(),
          transactions_group(),  bgwriter_group(),    wal_group()};
}

std::string sample_name_of(const ColumnMetric& m) {
  return m.type == MetricType::counter ? std::string(m.family) + "_total" : m.family;
}

}  // namespace

std::vector<std::string> BuiltinGroup::sql_for(int server_version) const {
  std::vector<std::string> out;
  for (const GroupStatement& st : statements) {
    const char* chosen = st.sql.front().sql;
    for (const VersionedSql& v : st.sql)
      if (server_version >= v.min_server_version) chosen = v.sql;
    out.emplace_back(chosen);
  }
  return out;
}

std::string BuiltinGroup::emit(const std::vector<PgResult>& results, MetricOutput& out) const {
  for (std::size_t s = 0; s < statements.size() && s < results.size(); ++s) {
    const GroupStatement& st = statements[s];
    const ResultTable& t = results[s];
    std::vector<int> label_cols, value_cols;
    for (const char* l : st.label_columns) label_cols.push_back(t.column_index(l));
    for (const ColumnMetric& m : st.metrics) value_cols.push_back(t.column_index(m.column));
    for (std::size_t i = 0; i < label_cols.size(); ++i)
      if (label_cols[i] < 0) return std::string("result has no column ") + st.label_columns[i];
    for (std::size_t i = 0; i < value_cols.size(); ++i)
      if (value_cols[i] < 0) return std::string("result has no column ") + st.metrics[i].column;

    std::vector<OutputFamily*> families;
    for (const ColumnMetric& m : st.metrics)
      families.push_back(&out.family(m.family, m.type, m.help));
    std::unordered_set<std::string> seen;  // label sets: the first row of a duplicate wins
    std::string key;
    for (int row = 0; row < t.row_count(); ++row) {
      LabelList labels;
      key.clear();
      for (std::size_t i = 0; i < label_cols.size(); ++i) {
        std::string_view v = t.is_null(row, label_cols[i]) ? "" : t.text(row, label_cols[i]);
        key.append(v);
        key.push_back('\xff');
        if (!v.empty()) labels.emplace_back(st.label_columns[i], std::string(v));
      }
      if (!seen.insert(key).second) continue;
      for (std::size_t i = 0; i < st.metrics.size(); ++i) {
        if (t.is_null(row, value_cols[i])) continue;  // not applicable here
        auto v = parse_sql_number(t.text(row, value_cols[i]));
        if (!v)
          return std::string("column ") + st.metrics[i].column + " holds \"" +
                 std::string(t.text(row, value_cols[i])) + "\", not a number";
        families[i]->add(sample_name_of(st.metrics[i]), labels, *v * st.metrics[i].scale);
      }
    }
  }
  return {};
}

const std::vector<BuiltinGroup>& builtin_groups() {
  static const std::vector<BuiltinGroup> groups = make_groups();
  return groups;
}

const BuiltinGroup* find_builtin_group(std::string_view name) {
  for (const BuiltinGroup& g : builtin_groups())
    if (name == g.name) return &g;
  return nullptr;
}

std::vector<std::string> builtin_family_names() {
  std::vector<std::string> out;
  for (const BuiltinGroup& g : builtin_groups())
    for (const GroupStatement& st : g.statements)
      for (const ColumnMetric& m : st.metrics) out.emplace_back(m.family);
  return out;
}

}  // namespace pe::postgres
