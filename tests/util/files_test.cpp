// The helpers every write, lock and secret goes through: atomic writes that follow symlinks on purpose,
// refuse devices and FIFOs and keep a file's mode; the temporaries a killed writer leaves; the run lock
// between two holders; and redaction of registered secrets.
#include "util/files.hpp"
#include "util/lock.hpp"
#include "util/redact.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace mage::util {
namespace {

namespace fs = std::filesystem;
using mage::testing::TempDir;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(AtomicWrite, ReplacesAFileAndLeavesNoTemporary) {
  TempDir tmp;
  const std::string path = tmp.file("a.txt");
  std::string error;
  ASSERT_TRUE(write_file_atomic(path, "one", error)) << error;
  ASSERT_TRUE(write_file_atomic(path, "two", error)) << error;
  EXPECT_EQ(read(path), "two");
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "a.txt");
  }
  EXPECT_EQ(entries, 1u);
}

TEST(AtomicWrite, FollowsASymlinkAndKeepsTheLink) {
  TempDir tmp;
  fs::create_directories(tmp.file("real"));
  write(tmp.file("real/target.mpl"), "old");
  fs::create_symlink("real/target.mpl", tmp.file("link.mpl"));
  std::string error;
  ASSERT_TRUE(write_file_atomic(tmp.file("link.mpl"), "new", error)) << error;
  EXPECT_TRUE(fs::is_symlink(tmp.file("link.mpl")));
  EXPECT_EQ(read(tmp.file("real/target.mpl")), "new");
  // A chain of links, and a dangling one whose target is created.
  fs::create_symlink("link.mpl", tmp.file("link2.mpl"));
  ASSERT_TRUE(write_file_atomic(tmp.file("link2.mpl"), "newer", error)) << error;
  EXPECT_TRUE(fs::is_symlink(tmp.file("link2.mpl")));
  EXPECT_EQ(read(tmp.file("real/target.mpl")), "newer");
  fs::create_symlink("real/absent.json", tmp.file("dangling.json"));
  ASSERT_TRUE(write_file_atomic(tmp.file("dangling.json"), "{}", error)) << error;
  EXPECT_TRUE(fs::is_symlink(tmp.file("dangling.json")));
  EXPECT_EQ(read(tmp.file("real/absent.json")), "{}");
}

TEST(AtomicWrite, RefusesDevicesFifosDirectoriesAndLoops) {
  TempDir tmp;
  std::string error;
  // Through a link too: the device must stay a device.
  fs::create_symlink("/dev/null", tmp.file("null.json"));
  EXPECT_FALSE(write_file_atomic(tmp.file("null.json"), "x", error));
  EXPECT_NE(error.find("a device"), std::string::npos) << error;
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_TRUE(fs::is_symlink(tmp.file("null.json")));

  ASSERT_EQ(::mkfifo(tmp.file("fifo").c_str(), 0644), 0);
  error.clear();
  EXPECT_FALSE(write_file_atomic(tmp.file("fifo"), "x", error));
  EXPECT_NE(error.find("a FIFO"), std::string::npos) << error;
  EXPECT_TRUE(fs::is_fifo(tmp.file("fifo")));

  error.clear();
  EXPECT_FALSE(write_file_atomic(tmp.path(), "x", error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;

  fs::create_symlink("loop2", tmp.file("loop1"));
  fs::create_symlink("loop1", tmp.file("loop2"));
  error.clear();
  EXPECT_FALSE(write_file_atomic(tmp.file("loop1"), "x", error));
  EXPECT_NE(error.find("symbolic links"), std::string::npos) << error;
  // Nothing was left behind.
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_FALSE(is_atomic_temporary(e.path().filename().string())) << e.path();
}

TEST(AtomicWrite, KeepsTheModeOfTheFileItReplaces) {
  TempDir tmp;
  const std::string path = tmp.file("ro.mpl");
  write(path, "old");
  ASSERT_EQ(::chmod(path.c_str(), 0444), 0);
  std::string error;
  ASSERT_TRUE(write_file_atomic(path, "new", error)) << error;
  EXPECT_EQ(read(path), "new");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::mask, fs::perms::owner_read | fs::perms::group_read |
                                                                  fs::perms::others_read);
  ASSERT_EQ(::chmod(path.c_str(), 0750), 0);
  ASSERT_TRUE(write_file_atomic(path, "newer", error)) << error;
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::mask, fs::perms::owner_all | fs::perms::group_read |
                                                                  fs::perms::group_exec);
}

TEST(AtomicWrite, StaleTemporariesAreRecognisedAndRemoved) {
  EXPECT_TRUE(is_atomic_temporary("best.mpl.tmp.1234.7"));
  EXPECT_TRUE(is_atomic_temporary("00042.mpl.tmp.99"));
  for (const char* name : {"best.mpl", "notes.tmp", "x.tmp.", "x.tmp.12.", ".tmp.12", "x.tmp.12a", "x.tmp..3"})
    EXPECT_FALSE(is_atomic_temporary(name)) << name;
  TempDir tmp;
  write(tmp.file("best.mpl"), "keep");
  write(tmp.file("best.mpl.tmp.1234.0"), "half");
  write(tmp.file("summary.json.tmp.55"), "half");
  write(tmp.file("notes.tmp"), "keep");
  EXPECT_EQ(remove_stale_temporaries(tmp.path()), 2u);
  EXPECT_TRUE(fs::exists(tmp.file("best.mpl")));
  EXPECT_TRUE(fs::exists(tmp.file("notes.tmp")));
  EXPECT_FALSE(fs::exists(tmp.file("best.mpl.tmp.1234.0")));
  EXPECT_FALSE(fs::exists(tmp.file("summary.json.tmp.55")));
}

TEST(FileLock, ASecondHolderIsRefusedUntilTheFirstLetsGo) {
  TempDir tmp;
  const std::string path = tmp.file("run.lock");
  std::string error;
  long holder = -1;
  FileLock first, second;
  ASSERT_EQ(FileLock::try_acquire(path, first, error, holder), FileLock::Outcome::Acquired) << error;
  EXPECT_TRUE(first.held());
  // A second open file description conflicts even within one process, as another process would.
  EXPECT_EQ(FileLock::try_acquire(path, second, error, holder), FileLock::Outcome::Busy);
  EXPECT_EQ(holder, static_cast<long>(::getpid()));
  EXPECT_FALSE(second.held());
  first = FileLock();
  EXPECT_EQ(FileLock::try_acquire(path, second, error, holder), FileLock::Outcome::Acquired) << error;

  // Shared within the process: the same lock, not a refusal.
  std::shared_ptr<FileLock> a, b;
  const std::string other = tmp.file("other.lock");
  ASSERT_EQ(FileLock::acquire_shared(other, a, error, holder), FileLock::Outcome::Acquired) << error;
  ASSERT_EQ(FileLock::acquire_shared(other, b, error, holder), FileLock::Outcome::Acquired) << error;
  EXPECT_EQ(a.get(), b.get());

  EXPECT_EQ(FileLock::try_acquire(tmp.file("missing/run.lock"), second, error, holder), FileLock::Outcome::Failed);
  EXPECT_NE(error.find("missing/run.lock"), std::string::npos) << error;
}

TEST(Redact, RegisteredSecretsAreReplacedEverywhere) {
  register_secret("sk-redact-test-0123456789");
  EXPECT_EQ(redact("Authorization: Bearer sk-redact-test-0123456789\nagain sk-redact-test-0123456789"),
            "Authorization: Bearer [redacted]\nagain [redacted]");
  // Its JSON-escaped form too.
  register_secret("sk-quote\"slash\\-0123");
  EXPECT_EQ(redact(R"({"k": "sk-quote\"slash\\-0123"})"), R"({"k": "[redacted]"})");
  // Placeholders are not secrets.
  register_secret("none");
  EXPECT_EQ(redact("none of this"), "none of this");
}

TEST(Redact, ControlCharactersAreFound) {
  EXPECT_EQ(find_control_character("sk-plain-key"), std::string::npos);
  EXPECT_EQ(find_control_character("sk-abc\r\nX-Injected: yes"), 6u);
  EXPECT_EQ(find_control_character(std::string("a\0b", 3)), 1u);
  EXPECT_EQ(find_control_character("tab\there"), 3u);
  EXPECT_EQ(find_control_character("del\x7f"), 3u);
}

}  // namespace
}  // namespace mage::util
