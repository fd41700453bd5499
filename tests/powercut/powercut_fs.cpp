// powercut_fs: a FUSE file system that loses, on command, everything not yet
// synced, as a machine losing power would (the idea of LazyFS). It passes
// through to a backing directory, but a file's writes stay in memory, in
// 4 KiB pages, until fsync or fdatasync covers them (msync reaches it as
// writes and an fsync; a write through an O_DSYNC or O_SYNC descriptor is
// synced as it returns). Reads, and the kernel's page cache that mmap reads
// through, see the unsynced pages, as they would the page cache's.
//
//   powercut_fs BACKING_DIR MOUNTPOINT [FUSE options, e.g. -f -o allow_other]
//
// The file `.powercut` at the mount's root is the switch. Writing `cut` to it
// cuts the power at once; `cut-in-sync` cuts it during the next sync that has
// pages to write, which then writes a random subset of them (a sync the cut
// interrupts). After the cut, the unsynced pages are gone and every other
// operation fails with EIO; the backing directory holds what a machine would
// find on its disk after the reboot, for a new mount to serve. Reading
// `.powercut` says `running`, or `cut` and what it dropped.
//
// Only file data waits for a sync: directories, names, links, modes, owners
// and truncation reach the backing directory at once (LMDB makes none of
// them while it runs). Operations run one at a time (`-s`, always added), so
// that a cut falls between two of them, or between two page writes of a sync.

#define FUSE_USE_VERSION 31
#include <fuse.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr off_t kPage = 4096;
constexpr const char* kSwitch = "/.powercut";

// A file's writes that no sync has covered yet.
struct Unsynced {
  std::map<off_t, std::vector<char>> pages;  // page number -> its kPage bytes as written
  off_t size = -1;                           // the size the writes gave it; -1: the backing file's
};

// An open file: the backing file's descriptor (read and write, whatever the
// caller asked: a page is completed from the backing file before it is
// written) and whether each write must be synced before it returns.
struct OpenFile {
  int fd = -1;
  ino_t ino = 0;
  bool sync_writes = false;
};

struct State {
  int backing = -1;                     // the backing directory
  std::map<ino_t, Unsynced> unsynced;   // by the backing file's inode: a file may be opened many times
  bool cut = false;
  bool cut_in_next_sync = false;
  std::string report = "running\n";
  std::mt19937_64 random{std::random_device{}()};
};
State g;

// A FUSE path ("/a/b") as a path relative to the backing directory.
const char* rel(const char* path) { return path[1] == '\0' ? "." : path + 1; }
bool is_switch(const char* path) { return std::strcmp(path, kSwitch) == 0; }
OpenFile* open_file(fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }
int fail() { return -errno; }

off_t backing_size(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? st.st_size : 0;
}

off_t size_of(const OpenFile& f) {
  auto it = g.unsynced.find(f.ino);
  return it != g.unsynced.end() && it->second.size >= 0 ? it->second.size : backing_size(f.fd);
}

// The power goes: whatever no sync covered is lost; from now on the file
// system answers only EIO (and the switch, for the test to read).
void cut_power(const std::string& how) {
  std::size_t pages = 0;
  for (const auto& [ino, u] : g.unsynced) pages += u.pages.size();
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  char at[40];
  std::snprintf(at, sizeof at, "at=%lld.%06ld", static_cast<long long>(now.tv_sec), now.tv_nsec / 1000);
  g.report = std::string("cut ") + at + " " + how + ": " + std::to_string(pages) + " unsynced pages of " +
             std::to_string(g.unsynced.size()) + " files dropped\n";
  g.unsynced.clear();
  g.cut = true;
  std::fprintf(stderr, "powercut_fs: %s", g.report.c_str());
}

bool write_page(int fd, off_t number, const std::vector<char>& page, off_t size) {
  off_t at = number * kPage;
  if (at >= size) return true;
  std::size_t n = static_cast<std::size_t>(std::min(kPage, size - at));
  return ::pwrite(fd, page.data(), n, at) == static_cast<ssize_t>(n);
}

// Writes the file's unsynced pages numbered [first, last] to the backing
// file. A cut armed for this sync writes a random subset of them and stops.
int sync_pages(const OpenFile& f, off_t first, off_t last) {
  auto it = g.unsynced.find(f.ino);
  if (it == g.unsynced.end()) return 0;
  Unsynced& u = it->second;
  off_t size = u.size >= 0 ? u.size : backing_size(f.fd);
  auto begin = u.pages.lower_bound(first), end = u.pages.upper_bound(last);
  if (begin == end) return 0;
  if (g.cut_in_next_sync) {
    std::size_t written = 0, all = 0;
    for (auto p = begin; p != end; ++p, ++all) {
      if (g.random() % 2 == 0) continue;
      if (!write_page(f.fd, p->first, p->second, size)) return fail();
      ++written;
    }
    cut_power("in a sync, which wrote " + std::to_string(written) + " of its " + std::to_string(all) + " pages");
    return -EIO;
  }
  for (auto p = begin; p != end; ++p) {
    if (!write_page(f.fd, p->first, p->second, size)) return fail();
  }
  u.pages.erase(begin, end);
  if (u.pages.empty()) {
    if (backing_size(f.fd) < size && ::ftruncate(f.fd, size) != 0) return fail();
    g.unsynced.erase(it);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The operations. Each starts with the cut: after it, only EIO.

#define POWER_OR_EIO \
  if (g.cut) return -EIO

void* op_init(fuse_conn_info* conn, fuse_config* cfg) {
  // The kernel must hand every write over as it happens: with its writeback
  // cache it would hold writes of its own that the cut could not drop.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  cfg->use_ino = 1;
  cfg->hard_remove = 1;
  cfg->direct_io = 0;  // mmap (LMDB's reads) needs the page cache
  cfg->kernel_cache = 0;
  return nullptr;
}

int op_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (is_switch(path)) {
    *st = {};
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = static_cast<off_t>(g.report.size());
    return 0;
  }
  POWER_OR_EIO;
  int rc = fi ? ::fstat(open_file(fi)->fd, st) : ::fstatat(g.backing, rel(path), st, AT_SYMLINK_NOFOLLOW);
  if (rc != 0) return fail();
  auto it = g.unsynced.find(st->st_ino);
  if (S_ISREG(st->st_mode) && it != g.unsynced.end() && it->second.size >= 0) st->st_size = it->second.size;
  return 0;
}

int op_readlink(const char* path, char* buf, size_t size) {
  POWER_OR_EIO;
  ssize_t n = ::readlinkat(g.backing, rel(path), buf, size - 1);
  if (n < 0) return fail();
  buf[n] = '\0';
  return 0;
}

int op_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*, fuse_readdir_flags) {
  POWER_OR_EIO;
  int fd = ::openat(g.backing, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return fail();
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int e = errno;
    ::close(fd);
    return -e;
  }
  while (dirent* d = ::readdir(dir)) fill(buf, d->d_name, nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
  ::closedir(dir);
  return 0;
}

int op_mkdir(const char* path, mode_t mode) {
  POWER_OR_EIO;
  return ::mkdirat(g.backing, rel(path), mode) == 0 ? 0 : fail();
}
int op_unlink(const char* path) {
  POWER_OR_EIO;
  return ::unlinkat(g.backing, rel(path), 0) == 0 ? 0 : fail();
}
int op_rmdir(const char* path) {
  POWER_OR_EIO;
  return ::unlinkat(g.backing, rel(path), AT_REMOVEDIR) == 0 ? 0 : fail();
}
int op_symlink(const char* target, const char* path) {
  POWER_OR_EIO;
  return ::symlinkat(target, g.backing, rel(path)) == 0 ? 0 : fail();
}
int op_rename(const char* from, const char* to, unsigned int flags) {
  POWER_OR_EIO;
  if (flags != 0) return -EINVAL;
  return ::renameat(g.backing, rel(from), g.backing, rel(to)) == 0 ? 0 : fail();
}
int op_chmod(const char* path, mode_t mode, fuse_file_info*) {
  POWER_OR_EIO;
  return ::fchmodat(g.backing, rel(path), mode, 0) == 0 ? 0 : fail();
}
int op_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info*) {
  POWER_OR_EIO;
  return ::fchownat(g.backing, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : fail();
}
int op_utimens(const char* path, const timespec tv[2], fuse_file_info*) {
  POWER_OR_EIO;
  return ::utimensat(g.backing, rel(path), tv, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : fail();
}
int op_statfs(const char*, struct statvfs* st) {
  POWER_OR_EIO;
  return ::fstatvfs(g.backing, st) == 0 ? 0 : fail();
}

// Truncation reaches the backing file at once; the unsynced pages past the
// new end go, and the last one keeps only what lies before it.
int truncate_file(OpenFile& f, off_t size) {
  if (::ftruncate(f.fd, size) != 0) return fail();
  auto it = g.unsynced.find(f.ino);
  if (it == g.unsynced.end()) return 0;
  Unsynced& u = it->second;
  u.pages.erase(u.pages.lower_bound((size + kPage - 1) / kPage), u.pages.end());
  if (auto last = u.pages.find(size / kPage); last != u.pages.end()) {
    std::memset(last->second.data() + size % kPage, 0, static_cast<std::size_t>(kPage - size % kPage));
  }
  u.size = size;
  return 0;
}

int open_backing(const char* path, int flags, mode_t mode, fuse_file_info* fi) {
  // The backing descriptor reads and writes at the offsets given (no
  // O_APPEND: pwrite would ignore them) and needs no sync of its own.
  int backing_flags = (flags & ~(O_ACCMODE | O_APPEND | O_TRUNC | O_SYNC | O_DSYNC | O_DIRECT)) | O_RDWR;
  int fd = ::openat(g.backing, rel(path), backing_flags, mode);
  if (fd < 0) return fail();
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return -e;
  }
  auto* f = new OpenFile{fd, st.st_ino, (flags & (O_SYNC | O_DSYNC)) != 0};
  fi->fh = reinterpret_cast<uint64_t>(f);
  if (flags & O_TRUNC) return truncate_file(*f, 0);
  return 0;
}

int op_create(const char* path, mode_t mode, fuse_file_info* fi) {
  POWER_OR_EIO;
  return open_backing(path, fi->flags | O_CREAT, mode, fi);
}

int op_open(const char* path, fuse_file_info* fi) {
  if (is_switch(path)) {
    fi->direct_io = 1;  // its reads and writes reach it, whatever the page cache holds
    fi->fh = 0;
    return 0;
  }
  POWER_OR_EIO;
  return open_backing(path, fi->flags, 0, fi);
}

int op_truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (is_switch(path)) return 0;  // `echo cut > .powercut` truncates first
  POWER_OR_EIO;
  if (fi) return truncate_file(*open_file(fi), size);
  fuse_file_info own{};
  own.flags = O_RDWR;
  if (int rc = open_backing(path, O_RDWR, 0, &own); rc != 0) return rc;
  OpenFile* f = open_file(&own);
  int rc = truncate_file(*f, size);
  ::close(f->fd);
  delete f;
  return rc;
}

int op_read(const char* path, char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (is_switch(path)) {
    if (offset >= static_cast<off_t>(g.report.size())) return 0;
    size_t n = std::min(size, g.report.size() - static_cast<size_t>(offset));
    std::memcpy(buf, g.report.data() + offset, n);
    return static_cast<int>(n);
  }
  POWER_OR_EIO;
  const OpenFile& f = *open_file(fi);
  off_t end = std::min(size_of(f), offset + static_cast<off_t>(size));
  if (offset >= end) return 0;
  size_t n = static_cast<size_t>(end - offset);
  ssize_t got = ::pread(f.fd, buf, n, offset);
  if (got < 0) return fail();
  std::memset(buf + got, 0, n - static_cast<size_t>(got));  // written past the backing file's end, unsynced
  auto it = g.unsynced.find(f.ino);
  if (it != g.unsynced.end()) {
    const auto& pages = it->second.pages;
    for (auto p = pages.lower_bound(offset / kPage); p != pages.end() && p->first * kPage < end; ++p) {
      off_t from = std::max(offset, p->first * kPage), to = std::min(end, (p->first + 1) * kPage);
      std::memcpy(buf + (from - offset), p->second.data() + (from - p->first * kPage),
                  static_cast<size_t>(to - from));
    }
  }
  return static_cast<int>(n);
}

int write_switch(const char* buf, size_t size) {
  std::string_view command(buf, size);
  while (!command.empty() && (command.back() == '\n' || command.back() == ' ')) command.remove_suffix(1);
  if (command == "cut") {
    cut_power("at once");
  } else if (command == "cut-in-sync") {
    g.cut_in_next_sync = true;
  } else {
    return -EINVAL;
  }
  return static_cast<int>(size);
}

int op_write(const char* path, const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
  if (is_switch(path)) return g.cut ? static_cast<int>(size) : write_switch(buf, size);
  POWER_OR_EIO;
  const OpenFile& f = *open_file(fi);
  Unsynced& u = g.unsynced[f.ino];
  off_t size_before = u.size >= 0 ? u.size : backing_size(f.fd);
  off_t end = offset + static_cast<off_t>(size);
  for (off_t number = offset / kPage; number * kPage < end; ++number) {
    auto [page, added] = u.pages.try_emplace(number);
    if (added) {
      // The page as it reads now: the backing file's bytes, zeros past its end.
      page->second.assign(kPage, 0);
      if (number * kPage < size_before && ::pread(f.fd, page->second.data(), kPage, number * kPage) < 0) return fail();
    }
    off_t from = std::max(offset, number * kPage), to = std::min(end, (number + 1) * kPage);
    std::memcpy(page->second.data() + (from - number * kPage), buf + (from - offset), static_cast<size_t>(to - from));
  }
  u.size = std::max(size_before, end);
  if (f.sync_writes) {
    if (int rc = sync_pages(f, offset / kPage, (end - 1) / kPage); rc != 0) return rc;
  }
  return static_cast<int>(size);
}

// Closing a file makes nothing durable.
int op_flush(const char*, fuse_file_info*) { return 0; }

int op_release(const char* path, fuse_file_info* fi) {
  if (is_switch(path)) return 0;
  OpenFile* f = open_file(fi);
  ::close(f->fd);
  delete f;
  return 0;
}

// fsync and fdatasync alike: every unsynced page of the file (from any of
// its descriptors, as the page cache is the file's).
int op_fsync(const char* path, int, fuse_file_info* fi) {
  if (is_switch(path)) return 0;
  POWER_OR_EIO;
  return sync_pages(*open_file(fi), 0, std::numeric_limits<off_t>::max() / kPage);
}

int op_fsyncdir(const char*, int, fuse_file_info*) {
  POWER_OR_EIO;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: powercut_fs BACKING_DIR MOUNTPOINT [FUSE options]\n");
    return 2;
  }
  g.backing = ::open(argv[1], O_RDONLY | O_DIRECTORY);
  if (g.backing < 0) {
    std::fprintf(stderr, "powercut_fs: %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  static fuse_operations ops{};
  ops.getattr = op_getattr;
  ops.readlink = op_readlink;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.chmod = op_chmod;
  ops.chown = op_chown;
  ops.truncate = op_truncate;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.statfs = op_statfs;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.readdir = op_readdir;
  ops.fsyncdir = op_fsyncdir;
  ops.init = op_init;
  ops.create = op_create;
  ops.utimens = op_utimens;
  std::vector<char*> args{argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  static char single[] = "-s";
  args.push_back(single);
  return fuse_main(static_cast<int>(args.size()), args.data(), &ops, nullptr);
}
