// store_access_denial on real directories and permissions: the test's own
// user owns them, and the "workers" are another uid, so that it runs the
// same as root or not.
#include "store/store_access.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace voxfra {
namespace {

constexpr uid_t kWorkerUid = 54321;
constexpr gid_t kWorkerGid = 54321;

class StoreAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/voxfra-access-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
    workers_ = {"worker", kWorkerUid, kWorkerGid, {kWorkerGid}};
    creation_ = {geteuid(), getegid(), 022, true};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string make_dir(const std::string& name, mode_t mode) {
    std::string p = dir_ + "/" + name;
    EXPECT_EQ(mkdir(p.c_str(), 0700), 0) << p << ": " << std::strerror(errno);
    EXPECT_EQ(chmod(p.c_str(), mode), 0);
    return p;
  }
  void make_file(const std::string& path, mode_t mode) {
    std::ofstream(path) << "x";
    ASSERT_EQ(chmod(path.c_str(), mode), 0);
  }
  std::optional<StoreAccessDenial> check(const std::string& store) {
    return store_access_denial(store, workers_, creation_);
  }

  std::string dir_;
  WorkerIdentity workers_;
  StoreCreation creation_;
};

TEST_F(StoreAccessTest, AStoreUnderAnotherUsers0700DirectoryIsOutOfReach) {
  std::string home = make_dir("home", 0700);
  auto denial = check(home + "/clone/var/data/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, home);
  EXPECT_EQ(denial->state.substr(0, 8), "is 0700 ");
  EXPECT_EQ(denial->need, "search (x)");
  EXPECT_TRUE(denial->on_the_way);
  std::string message = describe_store_access_denial(home + "/clone/var/data/voxfra", workers_, *denial);
  EXPECT_NE(message.find("the workers' user \"worker\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"" + home + "\" is 0700"), std::string::npos) << message;
  EXPECT_NE(message.find("chmod o+x \"" + home + "\""), std::string::npos) << message;
}

TEST_F(StoreAccessTest, SearchPermissionForOthersLetsTheWorkersThrough) {
  std::string home = make_dir("home", 0711);
  EXPECT_FALSE(check(home + "/not/yet/created"));
}

TEST_F(StoreAccessTest, TheWorkersSupplementaryGroupCounts) {
  std::string shared = make_dir("shared", 0710);  // group: the test's own gid
  ASSERT_TRUE(check(shared + "/voxfra"));
  workers_.groups.push_back(getegid());
  EXPECT_FALSE(check(shared + "/voxfra"));
}

TEST_F(StoreAccessTest, OwnerBitsDecideForTheOwnerEvenWhenOthersMayPass) {
  std::string odd = make_dir("odd", 0011);  // owner ---, group and others --x
  if (geteuid() == 0) {
    ASSERT_EQ(chown(odd.c_str(), kWorkerUid, static_cast<gid_t>(-1)), 0);
  } else {
    workers_.uid = geteuid();
  }
  auto denial = check(odd + "/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, odd);
}

TEST_F(StoreAccessTest, ParentsTheMasterCreatesFollowItsUmask) {
  creation_.umask = 077;
  auto denial = check(dir_ + "/new/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, dir_ + "/new");
  EXPECT_EQ(denial->state.substr(0, 22), "would be created 0700 ");
  creation_.umask = 022;
  EXPECT_FALSE(check(dir_ + "/new/voxfra"));
}

TEST_F(StoreAccessTest, AnExistingStoreIsHandedToTheWorkersOnlyByARootMaster) {
  std::string store = make_dir("voxfra", 0700);
  make_file(store + "/data.mdb", 0600);
  make_file(store + "/lock.mdb", 0600);
  EXPECT_FALSE(check(store));  // the master chowns it
  creation_.hands_to_workers = false;
  auto denial = check(store);
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, store);
  EXPECT_FALSE(denial->on_the_way);
  EXPECT_NE(describe_store_access_denial(store, workers_, *denial).find("chown -R worker \"" + store + "\""),
            std::string::npos);
}

TEST_F(StoreAccessTest, AReadOnlyDataFileStopsTheWorkers) {
  std::string store = make_dir("voxfra", 0700);
  make_file(store + "/data.mdb", 0400);
  auto denial = check(store);
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, store + "/data.mdb");
  EXPECT_EQ(denial->need, "read and write (rw)");
}

TEST_F(StoreAccessTest, ALinkIsFollowedToWhereTheStoreReallyIs) {
  std::string home = make_dir("home", 0700);
  std::string target = home + "/stores";
  ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
  std::string open = make_dir("open", 0755);
  ASSERT_EQ(symlink(target.c_str(), (open + "/stores").c_str()), 0);
  auto denial = check(open + "/stores/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->path, home);
}

TEST_F(StoreAccessTest, AFileOnTheWayIsNotADirectory) {
  make_file(dir_ + "/file", 0644);
  auto denial = check(dir_ + "/file/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_EQ(denial->state, "is not a directory");
}

TEST_F(StoreAccessTest, RootWorkersReachAnything) {
  std::string home = make_dir("home", 0700);
  workers_.uid = 0;
  EXPECT_FALSE(check(home + "/voxfra"));
}

// setfacl -m u:54321:x on a 0700 directory: the raw ACL, as the kernel
// stores it (version 2; user::rwx, user:54321:--x, group::---, mask::--x,
// other::---).
TEST_F(StoreAccessTest, AnAclEntryForTheWorkersLetsThemThrough) {
  std::string home = make_dir("home", 0700);
  struct Entry { std::uint16_t tag, perm; std::uint32_t id; };
  const Entry entries[] = {{1, 7, ~0u}, {2, 1, kWorkerUid}, {4, 0, ~0u}, {16, 1, ~0u}, {32, 0, ~0u}};
  std::string acl(4, '\0');
  acl[0] = 2;
  for (const Entry& e : entries) acl.append(reinterpret_cast<const char*>(&e), sizeof e);
  if (setxattr(home.c_str(), "system.posix_acl_access", acl.data(), acl.size(), 0) != 0) {
    GTEST_SKIP() << "no POSIX ACLs here: " << std::strerror(errno);
  }
  EXPECT_FALSE(check(home + "/voxfra"));
  workers_.uid = kWorkerUid + 1;
  auto denial = check(home + "/voxfra");
  ASSERT_TRUE(denial);
  EXPECT_NE(denial->state.find("with an ACL"), std::string::npos);
}

TEST(StoreAccessIdentity, AUsersGroupsComeFromTheGroupDatabase) {
  WorkerIdentity root = identity_of_user("root", 0, 0);
  EXPECT_EQ(root.name, "root");
  EXPECT_NE(std::find(root.groups.begin(), root.groups.end(), 0u), root.groups.end());
  WorkerIdentity self = identity_of_process();
  EXPECT_EQ(self.uid, geteuid());
}

}  // namespace
}  // namespace voxfra
