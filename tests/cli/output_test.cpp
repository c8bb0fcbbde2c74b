// Tests of where the tool's outputs go (fill --out, compare --json/--report, lsh's outputs, all
// through npy.cpp's one writer): a symlink's target is replaced and the link stays a link; a
// FIFO, a socket and a character device are written in place, never replaced; `-` is stdout;
// /dev/full fails with ENOSPC and stays a device; loops, directories and block devices are
// refused up front. Nothing here renames or creates anything under /dev.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>  // makedev
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tool_test_util.hpp"

using namespace cli_test;

namespace output_test {

const std::vector<std::string> fill_args = {"fill", "kaiming_normal", "--shape", "7,5", "--seed", "3"};

std::vector<std::string> fill_to(const std::string& out) {
  std::vector<std::string> args = fill_args;
  args.insert(args.end(), {"--out", out});
  return args;
}

/// The bytes `fill_args` writes to a plain file: what every other kind of output must receive.
std::string reference_npy() {
  const scratch_dir dir;
  const result r = run(fill_to(dir / "ref.npy"));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  const std::string bytes = slurp(dir.path() / "ref.npy");
  REQUIRE(bytes.size() > 128);
  return bytes;
}

/// compare, small and without training: about a second.
std::vector<std::string> compare_with(std::vector<std::string> extra) {
  std::vector<std::string> args = {"compare", "--depth", "4", "--width", "8", "--batch", "16", "--seeds", "1",
                                   "--activation", "relu", "--schemes", "kaiming_normal", "--train", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

mode_t type_of(const std::string& path, bool follow = false) {
  struct stat st {};
  REQUIRE((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) == 0);
  return st.st_mode & S_IFMT;
}

/// Every entry of `dir` (recursively) whose name holds ".tmp-": a temporary file left behind.
std::vector<std::string> temporaries(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) found.push_back(e.path().string());
  return found;
}

/// Reads everything a FIFO receives from its first writer until that writer closes, on a thread
/// of its own. If the tool never opens the FIFO, `finish` opens and closes it once as a writer
/// so that the reader's open returns and it sees end-of-file.
class fifo_reader {
 public:
  explicit fifo_reader(std::string path) : path_(std::move(path)), thread_([this] { read(); }) {}
  fifo_reader(const fifo_reader&) = delete;
  fifo_reader& operator=(const fifo_reader&) = delete;
  ~fifo_reader() { finish(); }
  std::string finish() {
    while (!done_) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK);  // ENXIO until the reader waits in open
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (thread_.joinable()) thread_.join();
    return bytes_;
  }

 private:
  void read() {
    const int fd = ::open(path_.c_str(), O_RDONLY);
    if (fd >= 0) {
      char buffer[4096];
      for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        bytes_.append(buffer, static_cast<std::size_t>(n));
      }
      ::close(fd);
    }
    done_ = true;
  }

  std::string path_;
  std::string bytes_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace output_test

using namespace output_test;

TEST_CASE("outputs: a symlinked --out updates the file the link names, and the link stays a link") {
  const std::string expected = reference_npy();
  const scratch_dir dir;
  fs::create_directories(dir.path() / "data");
  fs::create_directories(dir.path() / "links");
  const fs::path target = dir.path() / "data" / "w.npy";
  const auto prepare = [&] { std::ofstream(target) << "old contents"; };

  SUBCASE("an absolute link") {
    prepare();
    fs::create_symlink(target, dir.path() / "w.npy");
    const result r = run(fill_to(dir / "w.npy"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(fs::is_symlink(dir.path() / "w.npy"));
    CHECK(fs::read_symlink(dir.path() / "w.npy") == target);
  }
  SUBCASE("a relative link, relative to its own directory, not to the working directory") {
    prepare();
    fs::create_symlink("../data/w.npy", dir.path() / "links" / "w.npy");
    const result r = run(fill_to(dir / "links/w.npy"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(fs::is_symlink(dir.path() / "links" / "w.npy"));
    CHECK(fs::read_symlink(dir.path() / "links" / "w.npy") == "../data/w.npy");
  }
  SUBCASE("a chain of two links, the second relative") {
    prepare();
    fs::create_symlink("../data/w.npy", dir.path() / "links" / "second");
    fs::create_symlink(dir.path() / "links" / "second", dir.path() / "first");
    const result r = run(fill_to(dir / "first"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(fs::is_symlink(dir.path() / "first"));
    CHECK(fs::is_symlink(dir.path() / "links" / "second"));
    CHECK(fs::read_symlink(dir.path() / "links" / "second") == "../data/w.npy");
  }
  SUBCASE("a dangling link: the file it names is created") {
    fs::create_symlink("../data/w.npy", dir.path() / "links" / "w.npy");
    REQUIRE_FALSE(fs::exists(target));
    const result r = run(fill_to(dir / "links/w.npy"));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(fs::is_symlink(dir.path() / "links" / "w.npy"));
  }
  CHECK(type_of(target.string()) == S_IFREG);
  CHECK(slurp(target) == expected);
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("outputs: a symlinked compare --json and --report update their targets, links kept") {
  const scratch_dir dir;
  fs::create_directories(dir.path() / "data");
  std::ofstream(dir.path() / "data" / "c.json") << "old";
  fs::create_symlink("data/c.json", dir.path() / "c.json");
  fs::create_symlink("data/c.html", dir.path() / "c.html");  // dangling: created
  const result r = run(compare_with({"--json", dir / "c.json", "--report", dir / "c.html"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(fs::is_symlink(dir.path() / "c.json"));
  CHECK(fs::is_symlink(dir.path() / "c.html"));
  const std::string json_text = slurp(dir.path() / "data" / "c.json");
  CHECK(parse_json(json_text)["runs"].items.size() == 1);
  CHECK(slurp(dir.path() / "data" / "c.html").rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(r.out.find("kaiming_normal") != std::string::npos);  // the table still on stdout
  CHECK(temporaries(dir.path()).empty());
}

TEST_CASE("outputs: a FIFO is written in place and its reader receives exactly the .npy bytes") {
  const std::string expected = reference_npy();
  const scratch_dir dir;
  const std::string fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  fifo_reader reader(fifo);
  const result r = run(fill_to(fifo));
  const std::string received = reader.finish();
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(received.size() == expected.size());
  CHECK(received == expected);
  CHECK(type_of(fifo) == S_IFIFO);
  CHECK(dir.entries() == std::vector<std::string>{"pipe"});

  fifo_reader json_reader(fifo);  // compare --json: the JSON, in place
  const result c = run(compare_with({"--json", fifo}));
  const std::string text = json_reader.finish();
  REQUIRE_MESSAGE(c.code == 0, c.err);
  CHECK(parse_json(text)["runs"].items.size() == 1);
  CHECK(type_of(fifo) == S_IFIFO);
  CHECK(dir.entries() == std::vector<std::string>{"pipe"});
}

TEST_CASE("outputs: a Unix socket is connected to and receives exactly the .npy bytes") {
  const std::string expected = reference_npy();
  const scratch_dir dir;
  const std::string path = dir / "sock";
  const int listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  std::string received;
  std::thread accepter([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;  // the listener was shut down: the tool never connected
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) received.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });
  const result r = run(fill_to(path));
  ::shutdown(listener, SHUT_RDWR);  // wakes the accept if nothing connected
  accepter.join();
  ::close(listener);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(received == expected);
  CHECK(type_of(path) == S_IFSOCK);
}

TEST_CASE("outputs: /dev/full fails with ENOSPC, exit 2, one line, and stays a character device") {
  if (::access("/dev/full", W_OK) != 0 || type_of("/dev/full") != S_IFCHR) {
    std::puts("SKIPPED: no writable /dev/full");
    return;
  }
  const auto dev_entries = [] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator("/dev")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> before = dev_entries();
  const std::vector<std::vector<std::string>> commands = {
      fill_to("/dev/full"), compare_with({"--json", "/dev/full"}), compare_with({"--report", "/dev/full"})};
  for (const auto& args : commands) {
    INFO(joined(args));
    const result r = run(args);
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(r.err.rfind("nninit::", 0) == 0);
    CHECK(r.err.find("'/dev/full'") != std::string::npos);
    CHECK(r.err.find("ENOSPC") != std::string::npos);
    CHECK(r.out.find("wrote") == std::string::npos);
    CHECK(type_of("/dev/full") == S_IFCHR);
  }
  const std::vector<std::string> after = dev_entries();
  std::vector<std::string> created;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(created));
  for (const auto& name : created) CHECK_MESSAGE(name.find(".tmp-") == std::string::npos, name);
  CHECK(std::none_of(after.begin(), after.end(), [](const std::string& n) { return n.find(".full.tmp-") == 0; }));
}

TEST_CASE("outputs: --out - puts exactly the .npy bytes on stdout, the 'wrote' line on stderr") {
  const std::string expected = reference_npy();
  for (const std::string out : {"-", "/dev/stdout"}) {
    INFO(out);
    const result r = run(fill_to(out));
    REQUIRE_MESSAGE(r.code == 0, r.err);
    CHECK(r.out == expected);
    CHECK(r.err.rfind("wrote ", 0) == 0);
    CHECK(lines_of(r.err).size() == 1);
  }
}

TEST_CASE("outputs: compare --json - puts the JSON alone on stdout and the table on stderr") {
  const result r = run(compare_with({"--json", "-"}));
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.front() == '{');
  CHECK(r.out.back() == '\n');
  CHECK(parse_json(r.out)["runs"].items.size() == 1);
  CHECK(r.err.find("nninit compare: mlp depth 4") != std::string::npos);

  const scratch_dir dir;
  const result both = run(compare_with({"--json", "-", "--report", "-"}));
  CHECK(both.code == 2);
  CHECK(both.err == "nninit::compare: report must be a file when --json is standard output, got '-'\n");
  CHECK(both.out.empty());
}

TEST_CASE("outputs: lsh --json - puts the JSON alone on stdout and the tables on stderr") {
  const scratch_dir dir;
  const std::string data = dir / "x.npy";
  {
    // 60 samples of 8 inputs, distinct enough to hash: written by the tool itself.
    const result r = run({"fill", "uniform", "--shape", "60,8", "--out", data});
    REQUIRE_MESSAGE(r.code == 0, r.err);
  }
  const result r = run({"lsh", "--dataset", data, "--queries", "5", "--neighbours", "4", "--k", "2", "--expansion",
                        "3", "--alpha", "0.5", "--seeds", "1", "--methods", "flyhash,devfly1", "--json", "-"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(parse_json(r.out)["results"].items.size() == 2);
  CHECK(r.err.find("nninit lsh: ") != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"x.npy"});
}

TEST_CASE("outputs: a symlink loop, a directory and a block device are refused up front: exit 2, one line") {
  const scratch_dir dir;
  fs::create_symlink("b", dir.path() / "a");
  fs::create_symlink("a", dir.path() / "b");
  fs::create_symlink("self", dir.path() / "self");
  fs::create_directory(dir.path() / "sub");
  std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {fill_to(dir / "a"), "symlink loop"},
      {fill_to(dir / "self"), "symlink loop"},
      {compare_with({"--json", dir / "a"}), "nninit::compare: json must be a path without a symlink loop"},
      {compare_with({"--report", dir / "sub"}), "nninit::compare: report must be a file path, not a directory"},
      {fill_to(dir / "missing/w.npy"), "nninit::fill: out must be a file in an existing directory"},
      {fill_to(""), "nninit::fill: out must be a file path or -"},
  };
  // A block device node of our own, for no device (major 0): even a writer that failed to refuse
  // it could reach no disk. Creating one needs CAP_MKNOD; without it that case is left out.
  const bool block = ::mknod((dir / "blk").c_str(), S_IFBLK | 0600, makedev(0, 0)) == 0;
  if (block) cases.push_back({fill_to(dir / "blk"), "nninit::fill: out must be a file, not a block device"});
  else MESSAGE("no block device case: mknod needs CAP_MKNOD");
  for (const auto& c : cases) {  // not a structured binding: clang 14's INFO cannot capture one
    INFO(joined(c.first));
    const result r = run(c.first);
    INFO("stderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(r.err.find(c.second) != std::string::npos);
    CHECK(r.out.empty());
  }
  std::vector<std::string> left = {"a", "b", "self", "sub"};
  if (block) {
    left.insert(left.begin() + 2, "blk");
    CHECK(type_of(dir / "blk") == S_IFBLK);
  }
  CHECK(dir.entries() == left);
  CHECK(fs::is_empty(dir.path() / "sub"));
}
