// A process killed while it holds an LMDB read transaction (a SIGKILLed
// NGINX worker) leaves its reader slot behind; opening the store clears it.
#include <lmdb.h>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <string>

#include "store/store.h"

namespace voxfra {
namespace {

int count_readers(MDB_env* env) {
  int lines = 0;
  mdb_reader_list(
      env,
      [](const char* msg, void* ctx) -> int {
        // A header line, then one line per reader, its pid first; or
        // "(no active readers)".
        std::string line(msg);
        size_t first = line.find_first_not_of(' ');
        if (first != std::string::npos && std::isdigit(static_cast<unsigned char>(line[first]))) {
          ++*static_cast<int*>(ctx);
        }
        return 0;
      },
      &lines);
  return lines;
}

// Runs `child` in a forked process and returns its exit code.
template <typename F>
int in_child(F child) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 100;
    try {
      code = child();
    } catch (...) {
    }
    _exit(code);
  }
  int status = 0;
  if (pid == -1 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(StoreDeadReaders, OpeningClearsTheSlotsOfDeadProcesses) {
  char tmpl[] = "/tmp/voxfra-dead-readers-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  StoreOptions options;
  options.path = std::string(tmpl) + "/env";
  options.sync_commits = false;
  // Open throughout, like the worker that survives: the first opener of an
  // environment nobody has open resets the reader table anyway.
  Store survivor(options);

  for (int i = 0; i < 3; ++i) {
    int code = in_child([&]() -> int {
      Store store(options);
      StoreReader reader(store);
      EndpointView found;
      reader.find_endpoint("nothing", found);  // holds a read transaction
      _exit(0);  // with it, no destructor run
    });
    ASSERT_EQ(code, 0);
    // Its own slot is left; the one before it was cleared when it opened.
    EXPECT_EQ(count_readers(survivor.env()), 1) << "after child " << i;
  }

  // A new worker opens the store: that clears them.
  EXPECT_EQ(in_child([&] {
              Store store(options);
              return count_readers(store.env());
            }),
            0);
  EXPECT_EQ(count_readers(survivor.env()), 0);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace voxfra
