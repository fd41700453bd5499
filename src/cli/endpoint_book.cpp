#include "cli/endpoint_book.h"

#include <iostream>

#include "cli/endpoint_records.h"
#include "fleet/bucket_book.h"
#include "fleet/nats_args.h"
#include "fleet/nats_client.h"
#include "store/fleet_state.h"
#include "util/command_errors.h"

namespace voxfra::cli {

namespace {

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

// The fleet's bucket through the book voxfra-fleet uses too (fleet/bucket_book.h).
class BucketBook final : public CliEndpointBook {
 public:
  BucketBook(const Cli& cli, const Args& args, Access access) {
    fleet::NatsSettings settings = fleet::nats_settings(args, "voxfra");
    try {
      nats_ = std::make_unique<fleet::NatsConnection>(settings, false);
    } catch (const fleet::NatsError& e) {
      throw CommandError(e.what());
    }
    book_ = std::make_unique<fleet::BucketEndpointBook>(
        nats_->jetstream(), [](const std::string& warning) { std::cerr << "voxfra: warning: " << warning << '\n'; });
    if (cli.db) {
      // A change is recorded in this store's audit log: never made here, so never created.
      store_ = open_store(cli, access == Access::read ? Access::read : Access::write);
      read_store();
    }
  }

  std::optional<Endpoint> find(std::string_view slug) override { return book_->find(slug); }
  std::vector<Endpoint> all() override { return book_->all(); }
  void save(const Endpoint& e) override { book_->save(e); }
  // Each save is written (or refused) at once; the change's audit entries
  // go to --db's audit log, when given, after it (docs/fleet.md).
  void commit() override {
    if (!store_ || book_->audits().empty()) return;
    read_.reset();  // LMDB: one transaction a thread
    Txn txn(*store_, true);
    for (AuditEntry& entry : book_->audits()) append_audit_entry(txn.get(), *store_, entry);
    txn.commit();
    book_->audits().clear();
    read_store();
  }
  void audit(AuditEntry& entry) override { book_->audit(entry); }
  EndpointStats stats(std::string_view slug) override { return book_->stats(slug); }

 private:
  // Counters from --db's store.
  void read_store() {
    read_ = std::make_unique<Txn>(*store_, false);
    book_->count_from(read_->get(), *store_);
  }

  std::unique_ptr<fleet::NatsConnection> nats_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Txn> read_;
  std::unique_ptr<fleet::BucketEndpointBook> book_;
};

}  // namespace

std::unique_ptr<CliEndpointBook> open_endpoint_book(const Cli& cli, const Args& args, Access access) {
  if (args.has("nats")) return std::make_unique<BucketBook>(cli, args, access);
  for (std::string_view flag : {"nats-user", "nats-password-file", "nats-ca"}) {
    if (args.has(flag)) throw UsageError("--" + std::string(flag) + " needs --nats");
  }
  return std::make_unique<StoreBook>(cli, access);
}

}  // namespace voxfra::cli
