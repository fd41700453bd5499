// voxfra store info|resize and voxfra calls prune: how full the LMDB map
// is, growing it while NGINX runs, and deleting old calls to make room.
#include "cli/store_commands.h"

#include <lmdb.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "cli/output.h"
#include "cli/validate.h"
#include "store/prune.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::uint64_t kMinMapSize = 1ull << 20;       // what voxfra_store size= accepts
constexpr std::uint64_t kMaxMapSize = 1ull << 50;       // 1 PiB: beyond any disk, and far from overflow
constexpr std::uint64_t kMaxPruneBatch = 100'000;

void lmdb_ok(int rc) {
  if (rc != 0) throw StoreError(std::string("cannot read the store's statistics: ") + mdb_strerror(rc), rc);
}

// "8g", "512m", "64k", "1t" or a number of bytes, as NGINX reads sizes.
std::uint64_t check_size(std::string_view option, std::string_view value) {
  std::uint64_t unit = 1;
  std::string_view digits = value;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'k': case 'K': unit = 1ull << 10; break;
      case 'm': case 'M': unit = 1ull << 20; break;
      case 'g': case 'G': unit = 1ull << 30; break;
      case 't': case 'T': unit = 1ull << 40; break;
      default: break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  std::uint64_t n = 0;
  bool ok = !digits.empty() && digits.size() <= 16;
  for (char c : digits) {
    if (c < '0' || c > '9') ok = false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!ok || n == 0 || n > kMaxMapSize / unit || n * unit < kMinMapSize) {
    throw UsageError("--" + std::string(option) + " \"" + std::string(value) +
                     "\": expected a size from 1m to 1024t, e.g. 8g or 512m");
  }
  return n * unit;
}

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(n);
  std::size_t u = 0;
  while (v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// How the map is used: up to its high-water mark LMDB has handed out
// pages; of those, the ones no database holds are free and reused before
// the map grows further.
struct MapUsage {
  std::uint64_t map_size = 0, page_size = 0, high_water = 0, in_use = 0, file_size = 0;
  std::uint64_t calls = 0, call_index = 0, endpoints = 0;
};

std::uint64_t pages(const MDB_stat& s) { return s.ms_branch_pages + s.ms_leaf_pages + s.ms_overflow_pages; }

MapUsage map_usage(Store& store) {
  MapUsage u;
  Txn txn(store, false);
  MDB_envinfo info;
  MDB_stat env;
  lmdb_ok(mdb_env_info(store.env(), &info));
  lmdb_ok(mdb_env_stat(store.env(), &env));
  u.map_size = info.me_mapsize;
  u.page_size = env.ms_psize;
  u.high_water = (info.me_last_pgno + 1) * u.page_size;
  std::uint64_t used_pages = 2 + pages(env);  // the two meta pages, and the main database holding the names
  constexpr MDB_dbi kFreeListDbi = 0;         // LMDB's own: the list of free pages takes pages too
  for (MDB_dbi dbi : {kFreeListDbi, store.endpoints_dbi(), store.calls_dbi(), store.callidx_dbi(),
                      store.stats_dbi(), store.meta_dbi()}) {
    MDB_stat s;
    lmdb_ok(mdb_stat(txn.get(), dbi, &s));
    used_pages += pages(s);
    if (dbi == store.calls_dbi()) u.calls = s.ms_entries;
    if (dbi == store.callidx_dbi()) u.call_index = s.ms_entries;
    if (dbi == store.endpoints_dbi()) u.endpoints = s.ms_entries;
  }
  u.in_use = std::min(used_pages * u.page_size, u.high_water);
  struct stat st;
  if (::stat((store.path() + "/data.mdb").c_str(), &st) == 0) u.file_size = static_cast<std::uint64_t>(st.st_size);
  return u;
}

void print_usage_of(const Cli& cli, const Store& store, const MapUsage& u) {
  if (cli.json) {
    JsonDocument doc;
    JsonWriter& w = doc.writer();
    w.begin_object()
        .field("path", store.path())
        .key("mapSize").integer(static_cast<std::int64_t>(u.map_size))
        .key("used").integer(static_cast<std::int64_t>(u.in_use))
        .key("free").integer(static_cast<std::int64_t>(u.map_size - u.in_use))
        .key("highWater").integer(static_cast<std::int64_t>(u.high_water))
        .key("fileSize").integer(static_cast<std::int64_t>(u.file_size))
        .key("pageSize").integer(static_cast<std::int64_t>(u.page_size))
        .key("calls").integer(static_cast<std::int64_t>(u.calls))
        .key("callIndexEntries").integer(static_cast<std::int64_t>(u.call_index))
        .key("endpoints").integer(static_cast<std::int64_t>(u.endpoints))
        .end_object();
    doc.print(*cli.out);
    return;
  }
  auto percent = [&](std::uint64_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", u.map_size ? 100.0 * static_cast<double>(n) / static_cast<double>(u.map_size) : 0.0);
    return std::string(buf);
  };
  print_fields(*cli.out, {
      {"path", store.path()},
      {"map size", human_bytes(u.map_size)},
      {"used", human_bytes(u.in_use) + " (" + percent(u.in_use) + ")"},
      {"free", human_bytes(u.map_size - u.in_use) + " (pruned pages are reused first)"},
      {"file", human_bytes(u.file_size) + " (never shrinks; mdb_copy -c compacts offline)"},
      {"calls", std::to_string(u.calls)},
      {"call index", std::to_string(u.call_index) + " entries"},
      {"endpoints", std::to_string(u.endpoints)},
  });
}

int store_info(const Cli& cli, const Args&, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("store info takes no argument \"" + operands.front() + "\"");
  auto store = open_store(cli, Access::read);
  print_usage_of(cli, *store, map_usage(*store));
  return 0;
}

int store_resize(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("store resize takes no argument \"" + operands.front() + "\"");
  auto size_text = args.value("size");
  if (!size_text) throw UsageError("store resize needs --size SIZE (e.g. --size 8g)");
  std::uint64_t size = check_size("size", *size_text);
  auto store = open_store(cli, Access::write);
  std::uint64_t before = map_usage(*store).map_size;
  try {
    store->grow_map(size);
  } catch (const StoreError& e) {
    throw CommandError(e.what());
  }
  MapUsage after = map_usage(*store);
  if (cli.json) {
    print_usage_of(cli, *store, after);
    return 0;
  }
  *cli.out << "map size " << human_bytes(before) << " -> " << human_bytes(after.map_size) << " (used "
           << human_bytes(after.in_use) << ")\n"
           << "NGINX's workers take the new size at their next full map, without a restart.\n"
           << "Set size=" << *size_text << " in voxfra_store too, so that NGINX starts with it.\n";
  return 0;
}

constexpr Command kStoreCommands[] = {
    {"store", "info", "", "", store_info},
    {"store", "resize", "--size SIZE", "size", store_resize},
};

}  // namespace

std::span<const Command> store_commands() { return kStoreCommands; }

int calls_prune(const Cli& cli, const Args& args, std::span<const std::string> operands) {
  if (!operands.empty()) throw UsageError("calls prune takes no argument \"" + operands.front() + "\"");
  auto before_text = args.value("before");
  if (!before_text) throw UsageError("calls prune needs --before T (e.g. --before 90d)");
  const UnixMillis now = now_millis();
  PruneOptions options;
  options.before = check_time("before", *before_text, now);
  if (options.before > now) throw UsageError("--before \"" + *before_text + "\" is in the future");
  options.dry_run = args.has("dry-run");
  if (auto v = args.value("batch")) options.batch = check_positive("batch", *v, kMaxPruneBatch);

  auto store = open_store(cli, options.dry_run ? Access::read : Access::write);
  PruneResult r = prune_calls(*store, options);
  const std::string before = format_rfc3339(options.before);
  if (cli.json) {
    JsonDocument doc;
    doc.writer()
        .begin_object()
        .field("before", before)
        .key("dryRun").boolean(options.dry_run)
        .key("calls").integer(static_cast<std::int64_t>(r.calls))
        .key("bytes").integer(static_cast<std::int64_t>(r.bytes))
        .key("callIndexEntries").integer(static_cast<std::int64_t>(r.keys))
        .key("transactions").integer(static_cast<std::int64_t>(r.transactions))
        .key("keptUnshipped").boolean(r.kept_unshipped)
        .end_object();
    doc.print(*cli.out);
    return 0;
  }
  *cli.out << (options.dry_run ? "would delete " : "deleted ") << r.calls << " calls (" << human_bytes(r.bytes)
           << ") received before " << before << ", and " << r.keys << " call-index entries";
  if (!options.dry_run) *cli.out << ", in " << r.transactions << " transactions";
  *cli.out << '\n';
  if (r.kept_unshipped) {
    *cli.out << "kept older calls that voxfra-fleet has not shipped to the fleet's stream yet "
                "(`voxfra fleet status` shows how far behind it is)\n";
  }
  return 0;
}

}  // namespace voxfra::cli
