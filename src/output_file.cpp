#include "output_file.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bench_switch {
namespace {
namespace fs = std::filesystem;

std::string cannot(const std::string& path, const std::string& why) { return "cannot write " + path + ": " + why; }

// Follows a chain of symlinks by name, as far as it goes (the last one may lead nowhere yet).
// Nothing when the chain loops or a link cannot be read.
std::optional<fs::path> follow_links(const fs::path& start) {
  fs::path p = fs::absolute(start);
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p.lexically_normal();
    std::error_code ec;
    const fs::path next = fs::read_symlink(p, ec);
    if (ec) return std::nullopt;
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
  return std::nullopt;
}

bool same_file(const struct stat& a, const struct stat& b) { return a.st_dev == b.st_dev && a.st_ino == b.st_ino; }

// Every byte of `text` to `fd`, through short writes and EINTR.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string replace_file(const OutputPath& out, const std::string& text) {
  const fs::path target(out.target);
  std::string tmp = (target.parent_path() / ".bench_switch.XXXXXX").string();
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return cannot(out.path, std::strerror(errno));
  // An old file keeps its permissions; a new one gets what open() would have given (mkstemp: 0600).
  struct stat old {};
  mode_t mode;
  if (stat(out.target.c_str(), &old) == 0) {
    mode = old.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  bool ok = write_all(fd, text) && fsync(fd) == 0 && fchmod(fd, mode) == 0;
  int saved = errno;
  if (close(fd) != 0 && ok) ok = false, saved = errno;
  if (ok && rename(tmp.c_str(), out.target.c_str()) != 0) ok = false, saved = errno;
  if (ok) return "";
  unlink(tmp.c_str());
  return cannot(out.path, std::strerror(saved));
}

std::string write_stream(const OutputPath& out, const std::string& text) {
  int fd;
  if (out.kind == OutputPath::Kind::socket) {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (out.target.size() >= sizeof addr.sun_path) return cannot(out.path, "socket path too long");
    std::memcpy(addr.sun_path, out.target.c_str(), out.target.size() + 1);
    if (fd >= 0 && connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      const int saved = errno;
      close(fd);
      return cannot(out.path, std::strerror(saved));
    }
  } else {
    fd = open(out.target.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  }
  if (fd < 0) return cannot(out.path, std::strerror(errno));
  bool ok = write_all(fd, text);
  int saved = errno;
  if (close(fd) != 0 && ok) ok = false, saved = errno;
  return ok ? "" : cannot(out.path, std::strerror(saved));
}

std::string write_descriptor(const OutputPath& out, const std::string& text) {
  std::fflush(out.fd == STDOUT_FILENO ? stdout : stderr);  // whatever was printed there before comes first
  if (!write_all(out.fd, text)) return cannot(out.path, std::strerror(errno));
  // A regular file behind the descriptor is flushed to disk like a replaced one.
  struct stat st {};
  if (fstat(out.fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(out.fd) != 0) return cannot(out.path, std::strerror(errno));
  return "";
}

// The calls replace_file makes, tried before anything is measured so that they cannot pass now and
// fail at the end: a temporary file created in the folder, and renamed there. A rename over the
// old file itself cannot be tried without replacing it: the rule it would meet in a sticky folder
// (/tmp), where only the file's owner, the folder's or a privileged user may replace a file, is
// checked instead. "" when the write would succeed, else why not.
std::string probe_replace(const fs::path& folder, const fs::path& target) {
  std::string tmp = (folder / ".bench_switch.XXXXXX").string();
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  close(fd);
  const std::string renamed = tmp + "-renamed";
  const int moved = rename(tmp.c_str(), renamed.c_str());
  const int saved = errno;
  unlink(moved == 0 ? renamed.c_str() : tmp.c_str());
  if (moved != 0) return std::strerror(saved);
  struct stat dir {}, old {};
  if (stat(folder.c_str(), &dir) != 0 || lstat(target.c_str(), &old) != 0 || !(dir.st_mode & S_ISVTX)) return "";
  const uid_t me = geteuid();
  if (me == 0 || me == dir.st_uid || me == old.st_uid) return "";
  return "it belongs to user " + std::to_string(old.st_uid) + " in a sticky folder, and only they may replace it";
}

}  // namespace

std::optional<OutputPath> resolve_output(const std::string& path, std::string& error) {
  OutputPath out{OutputPath::Kind::replace, -1, path, path};
  if (path.empty()) return error = "--json needs a path", std::nullopt;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    for (const int fd : {STDOUT_FILENO, STDERR_FILENO}) {
      struct stat open_st {};
      if (fstat(fd, &open_st) == 0 && same_file(st, open_st)) {
        out.kind = OutputPath::Kind::descriptor, out.fd = fd;
        return out;
      }
    }
    if (S_ISDIR(st.st_mode)) return error = cannot(path, "it is a folder"), std::nullopt;
    if (S_ISBLK(st.st_mode)) return error = cannot(path, "it is a block device, which results must not overwrite"), std::nullopt;
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return out.kind = OutputPath::Kind::stream, out;
    if (S_ISSOCK(st.st_mode)) return out.kind = OutputPath::Kind::socket, out;
    if (!S_ISREG(st.st_mode)) return error = cannot(path, "not a file, device, FIFO or socket"), std::nullopt;
  } else if (errno != ENOENT) {
    return error = cannot(path, std::strerror(errno)), std::nullopt;
  }
  // A plain file, or nothing yet (perhaps a link that leads nowhere yet): replaced at its target.
  const auto target = follow_links(path);
  if (!target) return error = cannot(path, "a symlink that cannot be followed"), std::nullopt;
  out.target = target->string();
  const fs::path folder = target->parent_path();
  struct stat dir {};
  if (stat(folder.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode)) return error = cannot(path, "no folder " + folder.string()), std::nullopt;
  if (const std::string why = probe_replace(folder, *target); !why.empty()) return error = cannot(path, why), std::nullopt;
  return out;
}

std::string write_output(const OutputPath& out, const std::string& text) {
  switch (out.kind) {
    case OutputPath::Kind::replace: return replace_file(out, text);
    case OutputPath::Kind::descriptor: return write_descriptor(out, text);
    case OutputPath::Kind::stream:
    case OutputPath::Kind::socket: return write_stream(out, text);
  }
  return cannot(out.path, "unknown kind of path");
}

}  // namespace bench_switch
