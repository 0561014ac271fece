#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro that Swift cannot import; this returns it.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC, for bindings whose memory outlives the statement step.
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }
/// Turns off SQLite's allocation statistics, which take a global mutex on every
/// malloc and free. Must run before the library initialises (the first open);
/// later it returns SQLITE_MISUSE and changes nothing.
static inline int csqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
