// The provider adapter interface. An adapter is one function that reads a
// parsed payload through `Payload` and fills a CallRecord; it says whether the
// event is an end-of-call report, an event to ignore, or invalid (with the
// problems recorded in `Payload`). Each provider is one small file in this
// folder, named in the provider table (base/provider.h).
#pragma once
#include <simdjson.h>

#include <initializer_list>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <vector>

#include "base/header_lookup.h"
#include "base/provider.h"
#include "record/call_record.h"
#include "util/time.h"

namespace voxfra {

// One entry of a 400's `details`. Both views point at string literals or at
// memory owned by the Payload's resource.
struct FieldProblem {
  std::string_view field;
  std::string_view problem;
};

enum class Verdict { end_of_call, ignored, invalid };

enum class Need { optional, required };

// Typed, path-addressed access to a parsed body that records what is wrong.
// Paths are dot-separated object keys ("message.call.id"). A getter returns
// nullopt when the value is absent or null; when it is present with the
// wrong type it records {path, "must be a …"}; when it is absent and
// required it records {path, "is required"}.
class Payload {
 public:
  Payload(simdjson::dom::element root, std::pmr::memory_resource* mem, const HeaderLookup* headers);

  std::optional<simdjson::dom::element> find(std::string_view path) const;

  std::optional<std::string_view> string(std::string_view path, Need need = Need::optional);
  // JSON numbers; with `numeric_strings`, also "71" or "1757088377.5".
  std::optional<double> number(std::string_view path, Need need = Need::optional,
                               bool numeric_strings = false);
  std::optional<bool> boolean(std::string_view path, Need need = Need::optional);
  // An ISO 8601 / RFC 3339 string.
  std::optional<UnixMillis> iso_time(std::string_view path, Need need = Need::optional);
  // Epoch milliseconds / seconds as numbers, or as numeric strings.
  std::optional<UnixMillis> epoch_millis(std::string_view path, Need need = Need::optional);
  std::optional<UnixMillis> epoch_seconds(std::string_view path, Need need = Need::optional);
  std::optional<simdjson::dom::object> object(std::string_view path, Need need = Need::optional);
  std::optional<simdjson::dom::array> array(std::string_view path, Need need = Need::optional);

  // The first of `paths` that holds a non-empty string; type errors recorded.
  std::string_view first_string(std::initializer_list<std::string_view> paths);

  // `element` serialized as compact JSON in this payload's memory, nested
  // at most kMaxKeptDepth levels (record/json_element.h): what adapters keep of a
  // provider's free-form values (`variables`) stays readable, however deep.
  std::string_view json(simdjson::dom::element element);
  // Text in this payload's memory (for values an adapter computes).
  std::string_view copy(std::string_view text);

  std::string_view header(std::string_view name) const;

  void problem(std::string_view field, std::string_view what);
  bool has_problems() const { return !problems_.empty(); }
  const std::pmr::vector<FieldProblem>& problems() const { return problems_; }
  std::pmr::memory_resource* memory() const { return mem_; }
  simdjson::dom::element root() const { return root_; }

 private:
  simdjson::dom::element root_;
  std::pmr::memory_resource* mem_;
  const HeaderLookup* headers_;
  std::pmr::vector<FieldProblem> problems_;
};

using AdapterFn = Verdict (*)(Payload& in, CallRecord& out);

// The adapter of `p`, from the provider table (base/provider.h). Every
// provider has one; throws std::logic_error only for a corrupt enum value.
AdapterFn adapter_for(Provider p);

// The adapters, one per file, as the provider table names them.
#define VOXFRA_DECLARE_ADAPTER(name, code, adapter, ...) Verdict adapter(Payload& in, CallRecord& out);
VOXFRA_PROVIDERS(VOXFRA_DECLARE_ADAPTER)
#undef VOXFRA_DECLARE_ADAPTER

}  // namespace voxfra
