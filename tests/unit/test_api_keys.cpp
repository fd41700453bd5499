// The Management API's Idempotency-Key answers (store/api_keys.h): found
// within their lifetime, and deleted once past it (some hold a secret that
// was to be shown once).
#include <gtest/gtest.h>

#include "store/api_keys.h"
#include "store_harness.h"

namespace voxfra {
namespace {

using store_harness::OpenStoreTest;

StoredApiAnswer answer_at(UnixMillis at, std::string body) {
  StoredApiAnswer a;
  a.at = at;
  a.status = 201;
  a.body = std::move(body);
  return a;
}

class ApiKeysTest : public OpenStoreTest {};

TEST_F(ApiKeysTest, AnAnswerIsFoundWithinItsLifetimeOnly) {
  {
    Txn txn(*store_, true);
    save_api_answer(txn.get(), *store_, "tok1", "key-a", answer_at(1000, R"({"secret":"s1"})"));
    txn.commit();
  }
  Txn txn(*store_, false);
  auto found = find_api_answer(txn.get(), *store_, "tok1", "key-a", 1000 + kApiKeyLifetimeMs - 1);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 201);
  EXPECT_EQ(found->body, R"({"secret":"s1"})");
  EXPECT_FALSE(find_api_answer(txn.get(), *store_, "tok2", "key-a", 1000));  // another token's key
  EXPECT_FALSE(find_api_answer(txn.get(), *store_, "tok1", "key-a", 1000 + kApiKeyLifetimeMs));
}

TEST_F(ApiKeysTest, ExpiredAnswersAreDeletedByTheNextSave) {
  {
    Txn txn(*store_, true);
    save_api_answer(txn.get(), *store_, "tok1", "old", answer_at(1000, R"({"secret":"s1"})"));
    save_api_answer(txn.get(), *store_, "tok1", "recent", answer_at(5000, "{}"));
    txn.commit();
  }
  EXPECT_EQ(store_harness::count_entries(*store_, store_->apikeys_dbi()), 2u);
  {
    Txn txn(*store_, true);
    save_api_answer(txn.get(), *store_, "tok1", "new", answer_at(1000 + kApiKeyLifetimeMs, "{}"));
    txn.commit();
  }
  // "old" is past its lifetime and gone with its secret; "recent" stays.
  EXPECT_EQ(store_harness::count_entries(*store_, store_->apikeys_dbi()), 2u);
  Txn txn(*store_, false);
  EXPECT_FALSE(txn.get(store_->apikeys_dbi(), std::string("tok1\0old", 8)));
  EXPECT_TRUE(txn.get(store_->apikeys_dbi(), std::string("tok1\0recent", 11)));
}

}  // namespace
}  // namespace voxfra
