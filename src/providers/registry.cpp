#include <stdexcept>

#include "providers/adapter.h"

namespace voxfra {

AdapterFn adapter_for(Provider p) {
  switch (p) {
#define VOXFRA_ADAPTER_CASE(name, code, adapter, ...) \
  case Provider::name: return &adapter;
    VOXFRA_PROVIDERS(VOXFRA_ADAPTER_CASE)
#undef VOXFRA_ADAPTER_CASE
  }
  throw std::logic_error("not a provider");
}

}  // namespace voxfra
