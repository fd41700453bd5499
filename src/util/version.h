// The release this build is (debian/changelog's newest entry, through CMake).
#pragma once
#include <string_view>

namespace voxfra {

std::string_view version();

}  // namespace voxfra
