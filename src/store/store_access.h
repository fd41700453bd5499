#pragma once
// Can the NGINX workers' user reach and open the store? The master checks
// this at start, reload and `nginx -t` (README, "Which user must reach the
// store"): a worker that cannot open the environment would answer every
// webhook 500 storage_failed. Decided from the permission bits and POSIX
// ACLs, as the kernel would for that user; nothing is created or changed.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace voxfra {

// Whom the workers run as: NGINX's `user` (its primary group and the
// supplementary groups initgroups() gives it), or the master's own user.
struct WorkerIdentity {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, may include gid
};

// The user `name` with its groups from the group database (getgrouplist).
WorkerIdentity identity_of_user(const std::string& name, uid_t uid, gid_t gid);
// The calling process's effective user and groups.
WorkerIdentity identity_of_process();

// How the master makes what does not exist yet: it creates missing parents
// (mode 0755 less its umask) and the store's own directory (0700), and, as
// root, hands that directory and its two files to the workers' user.
struct StoreCreation {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t umask = 022;
  bool hands_to_workers = false;  // the master runs as root: chown(dir and files, worker)
};

// What stops the workers: the first directory on the way they cannot
// search, or the store directory or a file in it they cannot use.
struct StoreAccessDenial {
  std::string path;       // the directory or file
  std::string state;      // e.g. "is 0700 root:root", "would be created 0700 root:root"
  std::string need;       // "search (x)", "read and write (rw)"
  bool on_the_way = true;  // a directory above the store (else the store itself)
};

std::optional<StoreAccessDenial> store_access_denial(const std::string& store_path,
                                                      const WorkerIdentity& workers,
                                                      const StoreCreation& creation);

// One line for the operator: who, where, what stops it, what to do.
std::string describe_store_access_denial(const std::string& store_path,
                                         const WorkerIdentity& workers,
                                         const StoreAccessDenial& denial);

}  // namespace voxfra
