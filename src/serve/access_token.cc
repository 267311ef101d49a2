#include "serve/access_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "base/files.h"
#include "base/text.h"

namespace culprit::serve {

Result<std::string> load_token(const std::string& path, bool create) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT || !create) {
      return make_error(fmt::format("cannot read token file {}: {}", path, std::strerror(errno)));
    }
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return make_error("cannot make a random token");
    std::string token;
    for (unsigned char byte : bytes) token += fmt::format("{:02x}", byte);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      return make_error(fmt::format("cannot create token file {}: {}", path, std::strerror(errno)));
    }
    const std::string line = token + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!written) return make_error(fmt::format("cannot write token file {}", path));
    return token;
  }
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return make_error(fmt::format("token file {} can be read by others (mode {:o}); chmod 600 it",
                                  path, info.st_mode & 0777));
  }
  CULPRIT_ASSIGN_OR_RETURN(const std::string text, read_file(path, "token file"));
  const std::string token(trim(first_line(text)));
  if (token.empty()) return make_error(fmt::format("token file {} is empty", path));
  return token;
}

bool token_matches(std::string_view given, const std::string& token) {
  if (given.size() != token.size() || token.empty()) return false;
  return CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

}  // namespace culprit::serve
