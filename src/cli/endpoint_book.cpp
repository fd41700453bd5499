#include "cli/endpoint_book.h"

#include <algorithm>
#include <iostream>
#include <map>

#include "cli/endpoint_records.h"
#include "fleet/endpoint_bucket.h"
#include "fleet/nats_args.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

constexpr std::int64_t kSnapshotTimeoutMs = 10000;

class StoreBook final : public CliEndpointBook {
 public:
  StoreBook(const Cli& cli, Access access)
      : store_(open_store(cli, access)), txn_(*store_, access != Access::read), book_(txn_.get(), *store_) {
    if (access == Access::read) return;
    if (auto node = mirrored_by(txn_.get(), *store_)) {
      throw CommandError("the endpoints of this store are mirrored from the fleet by voxfra-fleet (node \"" + *node +
                         "\"); change them in the fleet with `voxfra --nats URL[,URL...] endpoint ...`");
    }
  }
  std::optional<Endpoint> find(std::string_view slug) override { return book_.find(slug); }
  std::vector<Endpoint> all() override { return book_.all(); }
  void save(const Endpoint& e) override { book_.save(e); }
  void commit() override { txn_.commit(); }
  EndpointStats stats(std::string_view slug) override { return book_.stats(slug); }
  void audit(AuditEntry& entry) override { book_.audit(entry); }

 private:
  std::unique_ptr<Store> store_;
  Txn txn_;
  StoreEndpointBook book_;
};

class BucketBook final : public CliEndpointBook {
 public:
  BucketBook(const Cli& cli, const Args& args) {
    fleet::NatsSettings settings = fleet::nats_settings(args, "voxfra");
    try {
      nats_ = std::make_unique<fleet::NatsConnection>(settings, false);
      bucket_ = std::make_unique<fleet::EndpointBucket>(nats_->jetstream());
    } catch (const fleet::NatsError& e) {
      throw CommandError(e.what());
    }
    if (cli.db) {
      stats_store_ = open_store(cli, Access::read);
      stats_txn_ = std::make_unique<Txn>(*stats_store_, false);
    }
  }

  std::optional<Endpoint> find(std::string_view slug) override {
    if (slug.empty() || slug.size() > 256) return std::nullopt;
    std::optional<fleet::BucketEntry> entry;
    try {
      entry = bucket_->find(std::string(slug));
    } catch (const fleet::NatsError& e) {
      throw CommandError(e.what());
    }
    if (!entry || entry->op != fleet::BucketEntry::Op::put) return std::nullopt;
    return decode(*entry);
  }

  std::vector<Endpoint> all() override {
    std::vector<Endpoint> all;
    try {
      for (const fleet::BucketEntry& entry : bucket_->snapshot(kSnapshotTimeoutMs)) {
        if (entry.op != fleet::BucketEntry::Op::put) continue;
        // A value this version cannot read (malformed, a newer schema) is
        // left out of listings and checks, as the daemons skip it, with a
        // word on stderr; `show` of that slug still says it cannot be read.
        if (auto e = try_decode(entry)) {
          all.push_back(std::move(*e));
        } else {
          std::cerr << "voxfra: warning: the bucket's record of slug \"" << entry.slug.substr(0, 4)
                    << "*\" cannot be read by this version of voxfra; left out\n";
        }
      }
    } catch (const fleet::NatsError& e) {
      throw CommandError(e.what());
    }
    std::stable_sort(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
      return a.created_at < b.created_at;
    });
    return all;
  }

  void save(const Endpoint& e) override {
    auto known = revisions_.find(e.slug);
    try {
      revisions_[e.slug] = bucket_->write(e, known == revisions_.end() ? 0 : known->second);
    } catch (const fleet::RevisionConflict& c) {
      throw CommandError(c.what());
    } catch (const fleet::NatsError& n) {
      throw CommandError(n.what());
    }
  }

  void commit() override {}  // each save is written (or refused) at once
  // The fleet's changes are not in any node's audit log (docs/fleet.md).
  void audit(AuditEntry&) override {}

  EndpointStats stats(std::string_view slug) override {
    if (!stats_txn_) return EndpointStats{};
    return endpoint_stats(*stats_txn_, *stats_store_, slug);
  }

 private:
  // Remembers the revision it read, for the compare-and-set of a later save.
  Endpoint decode(const fleet::BucketEntry& entry) {
    if (auto e = try_decode(entry)) return std::move(*e);
    throw CommandError("the endpoint record of slug \"" + entry.slug + "\" in the fleet's bucket cannot be read "
                       "by this version of voxfra");
  }
  std::optional<Endpoint> try_decode(const fleet::BucketEntry& entry) {
    Endpoint e;
    e.slug = entry.slug;
    if (!decode_endpoint(entry.value, e)) return std::nullopt;
    revisions_[entry.slug] = entry.revision;
    return e;
  }

  std::unique_ptr<fleet::NatsConnection> nats_;
  std::unique_ptr<fleet::EndpointBucket> bucket_;
  std::map<std::string, std::uint64_t, std::less<>> revisions_;
  std::unique_ptr<Store> stats_store_;
  std::unique_ptr<Txn> stats_txn_;
};

}  // namespace

std::unique_ptr<CliEndpointBook> open_endpoint_book(const Cli& cli, const Args& args, Access access) {
  if (args.has("nats")) return std::make_unique<BucketBook>(cli, args);
  for (std::string_view flag : {"nats-user", "nats-password-file", "nats-ca"}) {
    if (args.has(flag)) throw UsageError("--" + std::string(flag) + " needs --nats");
  }
  return std::make_unique<StoreBook>(cli, access);
}

}  // namespace voxfra::cli
