// LMDB's handle types by name only, for headers that pass a transaction or
// an environment through without using LMDB: whoever includes them (the
// NGINX glue) does not get <lmdb.h> and its codes.
#pragma once

extern "C" {
typedef struct MDB_env MDB_env;
typedef struct MDB_txn MDB_txn;
typedef unsigned int MDB_dbi;
}
