/* no_entry_plugin.c — a shared object without the entry symbol: the host must
 * refuse it with a message naming the file and the missing symbol. */
int not_a_plugin_exporter_plugin(void);
int not_a_plugin_exporter_plugin(void) {
  return 42;
}
