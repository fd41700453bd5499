#include "cli/context.h"

#include <cerrno>

#include "util/command_errors.h"

namespace voxfra::cli {

std::unique_ptr<Store> open_store(const Cli& cli, Access access) {
  if (!cli.db || cli.db->empty()) {
    throw UsageError("no database named: pass --db PATH or set VOXFRA_DB");
  }
  StoreOptions options;
  options.path = *cli.db;
  options.create = access == Access::create;
  options.read_only = access == Access::read;
  try {
    return std::make_unique<Store>(options);
  } catch (const StoreError& e) {
    if (e.code() == ENOENT && access != Access::create) {
      throw CommandError("no voxfra database at \"" + *cli.db +
                         "\" (check --db / VOXFRA_DB; `voxfra endpoint create` makes one)");
    }
    if (e.code() == EACCES) {
      throw CommandError(std::string(e.what()) +
                         " (run voxfra as the store's owner: NGINX's workers' user, or root)");
    }
    throw CommandError(e.what());
  }
}

}  // namespace voxfra::cli
