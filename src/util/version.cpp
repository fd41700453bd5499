#include "util/version.h"

namespace voxfra {

std::string_view version() { return VOXFRA_VERSION; }

}  // namespace voxfra
