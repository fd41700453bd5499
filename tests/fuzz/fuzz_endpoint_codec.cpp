// The endpoint record codec on arbitrary bytes (what an LMDB page holds
// after a bad disk or a foreign writer). Both decoders must fail cleanly or
// agree; what decodes must encode and decode again to the same record, and
// encoding must then be stable (one canonical form).
#include <string>

#include "fuzz_common.h"
#include "store/endpoint.h"

namespace voxfra::fuzz {
namespace {

constexpr std::string_view kSlug = "caller-keeps-this-slug";

bool same(const Endpoint& a, const Endpoint& b) {
  if (a.secrets.size() != b.secrets.size()) return false;
  for (std::size_t i = 0; i < a.secrets.size(); ++i) {
    if (a.secrets[i].value != b.secrets[i].value || a.secrets[i].expires_at != b.secrets[i].expires_at) return false;
  }
  return a.slug == b.slug && a.id == b.id && a.org == b.org && a.client == b.client &&
         a.provider == b.provider && a.status == b.status && a.allow == b.allow &&
         a.rate_limit == b.rate_limit && a.api_key == b.api_key && a.replaced_by == b.replaced_by &&
         a.created_at == b.created_at && a.updated_at == b.updated_at;
}

// The view holds what the module needs of the owning record.
bool same(const EndpointView& v, const Endpoint& e) {
  if (v.secret_count != e.secrets.size() || v.allow_count != e.allow.size()) return false;
  for (std::size_t i = 0; i < v.secret_count; ++i) {
    if (v.secrets[i].value != e.secrets[i].value || v.secrets[i].expires_at != e.secrets[i].expires_at) return false;
  }
  for (std::size_t i = 0; i < v.allow_count; ++i) {
    if (v.allow[i] != e.allow[i]) return false;
  }
  return v.id == e.id && v.org == e.org && v.client == e.client && v.provider == e.provider &&
         v.status == e.status && v.rate_limit == e.rate_limit && v.api_key == e.api_key;
}

bool view_fits(const Endpoint& e) {
  return e.secrets.size() <= EndpointView::kMaxSecrets && e.allow.size() <= EndpointView::kMaxAllow;
}

}  // namespace
}  // namespace voxfra::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace voxfra;
  using namespace voxfra::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  Endpoint owned;
  owned.slug = std::string(kSlug);
  const bool ok = decode_endpoint(bytes, owned);
  FUZZ_CHECK(owned.slug == kSlug);  // the key is the caller's, decoded or not

  EndpointView view;
  const bool view_ok = decode_endpoint_view(bytes, view);
  // The view is the stricter reader (bounded lists); never more lenient.
  if (view_ok) {
    FUZZ_CHECK(ok);
    FUZZ_CHECK(same(view, owned));
    for (std::size_t i = 0; i < view.secret_count; ++i) touch(view.secrets[i].value);
  }
  if (ok && view_fits(owned)) FUZZ_CHECK(view_ok);
  if (!ok) return 0;

  const std::string encoded = encode_endpoint(owned);
  Endpoint again;
  again.slug = std::string(kSlug);
  FUZZ_CHECK(decode_endpoint(encoded, again));
  FUZZ_CHECK(same(owned, again));
  FUZZ_CHECK(encode_endpoint(again) == encoded);

  EndpointView view_again;
  FUZZ_CHECK(decode_endpoint_view(encoded, view_again) == view_fits(owned));
  if (view_fits(owned)) FUZZ_CHECK(same(view_again, owned));
  return 0;
}
