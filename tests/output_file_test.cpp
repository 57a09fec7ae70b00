// The results file, for every kind of path a user may name: nothing there is ever replaced by
// something of another kind, every error is one line naming the path, no temporary file is left.
// Destructive cases run on a small tmpfs the test mounts, or on device nodes it makes itself.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <set>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "binary.hpp"
#include "output_file.hpp"

namespace bench_switch {
namespace {
namespace fs = std::filesystem;
using testing_binary::lines;
using testing_binary::run_binary;
using testing_binary::slurp;

class OutputPathTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bs_out_" + std::to_string(getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  // The folder holds only `expected` entries: nothing temporary was left behind.
  void expect_only(std::initializer_list<const char*> expected) {
    std::set<std::string> names, want(expected.begin(), expected.end());
    for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
    EXPECT_EQ(names, want);
  }
  // Writes through resolve_output and write_output; the error, "" when none.
  static std::string write(const fs::path& p, const std::string& text) {
    std::string error;
    const auto out = resolve_output(p.string(), error);
    if (!out) return error;
    return write_output(*out, text);
  }
  // A tmpfs of 16 KiB mounted on the test's folder, 12 KiB of it already taken.
  bool mount_small_tmpfs() {
    if (geteuid() != 0 || mount("none", dir_.c_str(), "tmpfs", 0, "size=16k") != 0) return false;
    mounted_ = true;
    std::ofstream(dir_ / "fill") << std::string(12 * 1024, 'x');
    return true;
  }
  fs::path dir_;
  bool mounted_ = false;
};

TEST_F(OutputPathTest, ANewFileIsWrittenWholeWithTheUsualMode) {
  EXPECT_EQ(write(dir_ / "r.json", "{}\n"), "");
  EXPECT_EQ(slurp(dir_ / "r.json"), "{}\n");
  const mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(fs::status(dir_ / "r.json").permissions(), static_cast<fs::perms>(0666 & ~mask));
  expect_only({"r.json"});
}

TEST_F(OutputPathTest, AnOldFileIsReplacedAndKeepsItsMode) {
  std::ofstream(dir_ / "r.json") << "old";
  fs::permissions(dir_ / "r.json", static_cast<fs::perms>(0640));
  EXPECT_EQ(write(dir_ / "r.json", "new"), "");
  EXPECT_EQ(slurp(dir_ / "r.json"), "new");
  EXPECT_EQ(fs::status(dir_ / "r.json").permissions(), static_cast<fs::perms>(0640));
  expect_only({"r.json"});
}

TEST_F(OutputPathTest, ASymlinkStaysALinkAndItsTargetIsUpdated) {
  fs::create_directory(dir_ / "kept");
  std::ofstream(dir_ / "kept" / "r.json") << "old";
  fs::create_symlink("kept/r.json", dir_ / "link.json");
  EXPECT_EQ(write(dir_ / "link.json", "new"), "");
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
  EXPECT_EQ(slurp(dir_ / "kept" / "r.json"), "new");
  // A link that leads nowhere yet: the file is made where it leads.
  fs::create_symlink("kept/later.json", dir_ / "dangling.json");
  EXPECT_EQ(write(dir_ / "dangling.json", "later"), "");
  EXPECT_TRUE(fs::is_symlink(dir_ / "dangling.json"));
  EXPECT_EQ(slurp(dir_ / "kept" / "later.json"), "later");
  expect_only({"kept", "link.json", "dangling.json"});
}

TEST_F(OutputPathTest, AFifosReaderGetsTheText) {
  ASSERT_EQ(mkfifo((dir_ / "f").c_str(), 0644), 0);
  std::string got;
  std::thread reader([&] { got = slurp(dir_ / "f"); });
  EXPECT_EQ(write(dir_ / "f", "through the fifo"), "");
  reader.join();
  EXPECT_EQ(got, "through the fifo");
  EXPECT_EQ(fs::status(dir_ / "f").type(), fs::file_type::fifo);
}

TEST_F(OutputPathTest, ASocketsListenerGetsTheText) {
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = (dir_ / "s").string();
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  std::string got;
  std::thread reader([&] {
    const int c = accept(listener, nullptr, nullptr);
    char buf[256];
    for (ssize_t n; (n = read(c, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    close(c);
  });
  EXPECT_EQ(write(dir_ / "s", "through the socket"), "");
  reader.join();
  close(listener);
  EXPECT_EQ(got, "through the socket");
  EXPECT_EQ(fs::status(dir_ / "s").type(), fs::file_type::socket);
}

TEST_F(OutputPathTest, ACharacterDeviceIsWrittenStraightAndStaysADevice) {
  EXPECT_EQ(write("/dev/null", "nothing"), "");
  EXPECT_EQ(fs::status("/dev/null").type(), fs::file_type::character);
  if (geteuid() != 0) GTEST_SKIP() << "making a /dev/full node needs root";
  ASSERT_EQ(mknod((dir_ / "full").c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);  // what /dev/full is
  const std::string error = write(dir_ / "full", "does not fit");
  EXPECT_EQ(error, "cannot write " + (dir_ / "full").string() + ": No space left on device");
  EXPECT_EQ(fs::status(dir_ / "full").type(), fs::file_type::character) << "the device node must stay a device node";
  expect_only({"full"});
}

TEST_F(OutputPathTest, AFolderAndABlockDeviceAreRefused) {
  std::string error;
  EXPECT_FALSE(resolve_output(dir_.string(), error));
  EXPECT_NE(error.find("it is a folder"), std::string::npos) << error;
  if (geteuid() != 0) GTEST_SKIP() << "making a block device node needs root";
  ASSERT_EQ(mknod((dir_ / "disk").c_str(), S_IFBLK | 0600, makedev(7, 200)), 0);  // a loop device number
  EXPECT_FALSE(resolve_output((dir_ / "disk").string(), error));
  EXPECT_NE(error.find("block device"), std::string::npos) << error;
}

TEST_F(OutputPathTest, AReaderThatLeftGivesBrokenPipe) {
  std::signal(SIGPIPE, SIG_IGN);  // as bench_switch does
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  EXPECT_EQ(write("/proc/self/fd/" + std::to_string(fds[1]), "nobody reads"),
            "cannot write /proc/self/fd/" + std::to_string(fds[1]) + ": Broken pipe");
  close(fds[1]);
}

TEST_F(OutputPathTest, AFullDiskGivesOneErrorAndLeavesNoTemporaryFile) {
  if (!mount_small_tmpfs()) GTEST_SKIP() << "mounting a tmpfs needs root";
  EXPECT_EQ(write(dir_ / "r.json", std::string(64 * 1024, 'y')), "cannot write " + (dir_ / "r.json").string() + ": No space left on device");
  expect_only({"fill"});
}

TEST_F(OutputPathTest, StandardOutputIsWrittenToItsDescriptor) {
  std::string error;
  const auto out = resolve_output("/dev/stdout", error);
  ASSERT_TRUE(out) << error;
  EXPECT_EQ(out->kind, OutputPath::Kind::descriptor);
  EXPECT_EQ(out->fd, 1);
}

// ---- The binary, as a user meets it.

const std::vector<std::string> kQuickOne = {"--benchmark_filter=switch/indirect_call", "--benchmark_repetitions=1",
                                            "--benchmark_min_time=0.01"};
std::vector<std::string> with_json(const std::string& path) {
  auto args = kQuickOne;
  args.insert(args.end(), {"--json", path});
  return args;
}

TEST_F(OutputPathTest, TheBinaryWritesOnlyJsonToStandardOutput) {
  const auto o = run_binary(with_json("/dev/stdout"));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(nlohmann::json::accept(o.out)) << "standard output must be the JSON alone:\n" << o.out;
  EXPECT_NE(o.err.find("switch/indirect_call"), std::string::npos) << "the table goes to standard error";
  EXPECT_NE(o.err.find("wrote /dev/stdout"), std::string::npos);
  // Through a real pipe, as `| python3 -m json.tool` reads it; /dev/stdout stays the link it was.
  const std::string cmd = std::string(BENCH_SWITCH_BINARY) + " --benchmark_filter=switch/indirect_call --benchmark_repetitions=1 "
                          "--benchmark_min_time=0.01 --json /dev/stdout 2>/dev/null | /usr/bin/python3 -m json.tool > " +
                          (dir_ / "piped").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(nlohmann::json::parse(slurp(dir_ / "piped")).contains("benchmarks"));
  EXPECT_TRUE(fs::is_symlink("/dev/stdout"));
}

TEST_F(OutputPathTest, TheBinaryUpdatesASymlinkedResultsPath) {
  fs::create_directory(dir_ / "kept");
  std::ofstream(dir_ / "kept" / "r.json") << "stale";
  fs::create_symlink("kept/r.json", dir_ / "r.json");
  const auto o = run_binary(with_json((dir_ / "r.json").string()));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::is_symlink(dir_ / "r.json"));
  EXPECT_TRUE(nlohmann::json::parse(slurp(dir_ / "kept" / "r.json")).contains("benchmarks"));
  expect_only({"kept", "r.json"});
}

TEST_F(OutputPathTest, TheBinaryFeedsAFifosReader) {
  ASSERT_EQ(mkfifo((dir_ / "f").c_str(), 0644), 0);
  std::string got;
  std::thread reader([&] { got = slurp(dir_ / "f"); });
  const auto o = run_binary(with_json((dir_ / "f").string()));
  reader.join();
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(nlohmann::json::parse(got).contains("benchmarks"));
  EXPECT_EQ(fs::status(dir_ / "f").type(), fs::file_type::fifo);
}

TEST_F(OutputPathTest, TheBinarySaysOneLineOnAFullDisk) {
  if (!mount_small_tmpfs()) GTEST_SKIP() << "mounting a tmpfs needs root";
  // Benchmarks enough that the JSON cannot fit in the 4 KiB left.
  const auto o = run_binary({"--benchmark_filter=switch/(indirect_call|coroutine)", "--benchmark_repetitions=3",
                             "--benchmark_min_time=0.01", "--json", (dir_ / "r.json").string()});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;  // besides a sanitizer build's warning, if any
  const std::string said = "bench_switch: cannot write " + (dir_ / "r.json").string() + ": No space left on device\n";
  EXPECT_TRUE(o.err.size() >= said.size() && o.err.compare(o.err.size() - said.size(), said.size(), said) == 0) << o.err;
  expect_only({"fill"});
}

}  // namespace
}  // namespace bench_switch
