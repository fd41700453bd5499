#include "store/store_access.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace voxfra {

WorkerIdentity identity_of_user(const std::string& name, uid_t uid, gid_t gid) {
  WorkerIdentity w{name, uid, gid, {}};
  int count = 32;
  for (;;) {
    w.groups.resize(static_cast<std::size_t>(count));
    int n = count;
    if (::getgrouplist(name.c_str(), gid, w.groups.data(), &n) != -1) {
      w.groups.resize(static_cast<std::size_t>(n));
      return w;
    }
    count = std::max(n, count * 2);  // too small: n is how many there are
  }
}

WorkerIdentity identity_of_process() {
  WorkerIdentity w;
  w.uid = ::geteuid();
  w.gid = ::getegid();
  const passwd* pw = ::getpwuid(w.uid);
  w.name = pw ? pw->pw_name : std::to_string(w.uid);
  int n = ::getgroups(0, nullptr);
  if (n > 0) {
    w.groups.resize(static_cast<std::size_t>(n));
    n = ::getgroups(n, w.groups.data());
    w.groups.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  return w;
}

namespace {

// A directory or file as the workers will find it: as it is, or as the
// master will leave it (created, or handed to the workers' user).
struct Node {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string acl;  // the raw system.posix_acl_access value, if any
  bool created = false;
};

constexpr unsigned kRead = 4, kWrite = 2, kSearch = 1;

bool in_groups(const WorkerIdentity& w, gid_t gid) {
  return gid == w.gid || std::find(w.groups.begin(), w.groups.end(), gid) != w.groups.end();
}

// POSIX ACL check as the kernel does it (posix_acl_permission): the raw
// xattr is a 4-byte version then 8-byte entries {u16 tag, u16 perm, u32 id}.
bool acl_permits(const std::string& acl, const Node& n, const WorkerIdentity& w, unsigned want) {
  enum : std::uint16_t { kUserObj = 1, kUser = 2, kGroupObj = 4, kGroup = 8, kMask = 16, kOther = 32 };
  struct Entry { std::uint16_t tag, perm; std::uint32_t id; };
  std::vector<Entry> entries;
  unsigned mask = 7;
  for (std::size_t at = 4; at + 8 <= acl.size(); at += 8) {
    Entry e;
    std::memcpy(&e.tag, acl.data() + at, 2);
    std::memcpy(&e.perm, acl.data() + at + 2, 2);
    std::memcpy(&e.id, acl.data() + at + 4, 4);
    if (e.tag == kMask) mask = e.perm;
    entries.push_back(e);
  }
  auto grants = [want](unsigned perm) { return (perm & want) == want; };
  bool group_matched = false;
  for (const Entry& e : entries) {
    if (e.tag == kUserObj && n.uid == w.uid) return grants(e.perm);
    if (e.tag == kUser && e.id == w.uid) return grants(e.perm & mask);
  }
  for (const Entry& e : entries) {
    const bool member = (e.tag == kGroupObj && in_groups(w, n.gid)) || (e.tag == kGroup && in_groups(w, e.id));
    if (!member) continue;
    if (grants(e.perm & mask)) return true;
    group_matched = true;
  }
  if (group_matched) return false;
  for (const Entry& e : entries) {
    if (e.tag == kOther) return grants(e.perm);
  }
  return false;
}

bool permits(const Node& n, const WorkerIdentity& w, unsigned want) {
  if (w.uid == 0) return true;  // root searches, reads and writes anything
  if (!n.acl.empty()) return acl_permits(n.acl, n, w, want);
  unsigned bits = n.uid == w.uid ? (n.mode >> 6) & 7 : in_groups(w, n.gid) ? (n.mode >> 3) & 7 : n.mode & 7;
  return (bits & want) == want;
}

// stat() of path; errno on failure.
std::optional<Node> examine(const std::string& path, int& error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    error = errno;
    return std::nullopt;
  }
  Node n{st.st_mode, st.st_uid, st.st_gid, {}, false};
  char acl[1024];
  ssize_t len = ::getxattr(path.c_str(), "system.posix_acl_access", acl, sizeof acl);
  if (len > 0) n.acl.assign(acl, static_cast<std::size_t>(len));
  return n;
}

std::string user_name(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? pw->pw_name : std::to_string(uid);
}

std::string group_name(gid_t gid) {
  const group* gr = ::getgrgid(gid);
  return gr ? gr->gr_name : std::to_string(gid);
}

std::string describe_node(const Node& n) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(n.mode & 07777));
  std::string s = (n.created ? "would be created " : "is ") + std::string(mode) + " " + user_name(n.uid) + ":" +
                  group_name(n.gid);
  if (!n.acl.empty()) s += " with an ACL";
  return s;
}

StoreAccessDenial deny(const std::string& path, const Node& n, unsigned want, bool on_the_way) {
  return {path, describe_node(n), want == kSearch ? "search (x)" : "read and write (rw)", on_the_way};
}

// "/a/b/c" -> {"/", "/a", "/a/b", "/a/b/c"}
std::vector<std::string> prefixes(const std::string& path) {
  std::vector<std::string> out{"/"};
  std::string p;
  for (std::size_t at = 0; at < path.size();) {
    std::size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    if (slash > at) {
      p += "/" + path.substr(at, slash - at);
      out.push_back(p);
    }
    at = slash + 1;
  }
  return out;
}

// Every directory above `target` (a path that exists) must be searchable.
std::optional<StoreAccessDenial> check_dirs_above(const std::string& target, const WorkerIdentity& w) {
  auto chain = prefixes(target);
  chain.pop_back();
  for (const std::string& dir : chain) {
    int error = 0;
    auto n = examine(dir, error);
    if (!n) return StoreAccessDenial{dir, std::string("cannot be examined: ") + std::strerror(error), "search (x)", true};
    if (!permits(*n, w, kSearch)) return deny(dir, *n, kSearch, true);
  }
  return std::nullopt;
}

}  // namespace

std::optional<StoreAccessDenial> store_access_denial(const std::string& store_path, const WorkerIdentity& workers,
                                                      const StoreCreation& creation) {
  // The path as written: each directory on it, as it is or as the master
  // will create it.
  const auto chain = prefixes(store_path);
  std::string deepest_existing = "/";
  bool missing = false;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const std::string& p = chain[i];
    const bool is_store = i + 1 == chain.size();
    std::optional<Node> n;
    if (!missing) {
      int error = 0;
      n = examine(p, error);
      if (!n && error != ENOENT) {
        return StoreAccessDenial{p, std::string("cannot be examined: ") + std::strerror(error), "search (x)", !is_store};
      }
      if (n && !S_ISDIR(n->mode)) return StoreAccessDenial{p, "is not a directory", "search (x)", !is_store};
      if (n) deepest_existing = p;
      missing = !n;
    }
    if (!n) {
      n = Node{static_cast<mode_t>(S_IFDIR | ((is_store ? 0700 : 0755) & ~creation.umask)), creation.uid,
               creation.gid, {}, true};
    }
    if (is_store && creation.hands_to_workers) {
      n->uid = workers.uid;
      n->gid = workers.gid;
    }
    if (!permits(*n, workers, kSearch)) return deny(p, *n, kSearch, !is_store);
  }
  // Through symbolic links: the directories above where the path leads
  // (the deepest existing directory itself was stat()ed through them).
  char resolved[PATH_MAX];
  if (::realpath(deepest_existing.c_str(), resolved) != nullptr && deepest_existing != resolved) {
    if (auto denial = check_dirs_above(resolved, workers)) return denial;
  }
  if (missing) return std::nullopt;  // the master creates the files, for the workers
  for (const char* file : {"/data.mdb", "/lock.mdb"}) {
    int error = 0;
    auto n = examine(store_path + file, error);
    if (!n) continue;  // not there yet: the master creates it
    if (creation.hands_to_workers) {
      n->uid = workers.uid;
      n->gid = workers.gid;
    }
    if (!permits(*n, workers, kRead | kWrite)) return deny(store_path + file, *n, kRead | kWrite, false);
  }
  return std::nullopt;
}

std::string describe_store_access_denial(const std::string& store_path, const WorkerIdentity& workers,
                                         const StoreAccessDenial& d) {
  const std::string user = "\"" + workers.name + "\"";
  std::string s = "the workers' user " + user + " cannot open the store: \"" + d.path + "\" " + d.state + " and " +
                  user + " needs " + d.need + " permission there; ";
  if (d.on_the_way) {
    s += "move the store to a directory " + user + " can reach (e.g. /var/lib/voxfra), let " + user +
         " through (chmod o+x \"" + d.path + "\", or setfacl -m u:" + workers.name + ":x \"" + d.path +
         "\"), or set \"user\" to a user who can";
  } else {
    s += "give the store to " + user + " (chown -R " + workers.name + " \"" + store_path +
         "\"), or set \"user\" to its owner";
  }
  return s;
}

}  // namespace voxfra
