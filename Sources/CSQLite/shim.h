#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro that Swift cannot import; this returns it.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC, for bindings whose memory outlives the statement step.
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }
