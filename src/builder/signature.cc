#include "builder/signature.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "base/sha256.h"

namespace culprit::builder {
namespace {

constexpr std::size_t kStreamChunk = 1u << 20;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A read-only mapping of a whole file, unmapped when it goes out of scope.
class MappedFile {
 public:
  MappedFile(void* data, std::size_t size) : data_(data), size_(size) {}
  ~MappedFile() {
    if (data_ != MAP_FAILED) munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool ok() const { return data_ != MAP_FAILED; }
  std::span<const std::uint8_t> bytes() const {
    return {static_cast<const std::uint8_t*>(data_), size_};
  }

 private:
  void* data_;
  std::size_t size_;
};

// Reads integers of either byte order out of the file's bytes (the ELF says which it uses).
class ElfReader {
 public:
  ElfReader(std::span<const std::uint8_t> file, bool big_endian)
      : file_(file), swap_(big_endian != (std::endian::native == std::endian::big)) {}

  template <typename T>
  T field(std::uint64_t offset) const {
    T value;
    std::memcpy(&value, file_.data() + offset, sizeof(T));
    if (swap_) value = byteswap(value);
    return value;
  }

 private:
  template <typename T>
  static T byteswap(T value) {
    if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(value));
    if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(value));
    if constexpr (sizeof(T) == 8) return static_cast<T>(__builtin_bswap64(value));
    return value;
  }

  std::span<const std::uint8_t> file_;
  bool swap_;
};

struct SectionHeader {
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// The ELF layout differences between the two classes, as offsets into the headers.
template <typename Ehdr, typename Shdr>
struct ElfLayout {
  static constexpr std::size_t kHeaderSize = sizeof(Ehdr);
  static constexpr std::size_t kSectionHeaderSize = sizeof(Shdr);

  static std::uint64_t section_table(const ElfReader& r) {
    return r.field<decltype(Ehdr::e_shoff)>(offsetof(Ehdr, e_shoff));
  }
  static std::uint16_t section_entry_size(const ElfReader& r) {
    return r.field<decltype(Ehdr::e_shentsize)>(offsetof(Ehdr, e_shentsize));
  }
  static std::uint16_t section_count(const ElfReader& r) {
    return r.field<decltype(Ehdr::e_shnum)>(offsetof(Ehdr, e_shnum));
  }
  static SectionHeader section(const ElfReader& r, std::uint64_t at) {
    return {
        .type = r.field<decltype(Shdr::sh_type)>(at + offsetof(Shdr, sh_type)),
        .flags = r.field<decltype(Shdr::sh_flags)>(at + offsetof(Shdr, sh_flags)),
        .offset = r.field<decltype(Shdr::sh_offset)>(at + offsetof(Shdr, sh_offset)),
        .size = r.field<decltype(Shdr::sh_size)>(at + offsetof(Shdr, sh_size)),
    };
  }
};

template <typename Layout>
Result<std::string> elf_signature(std::span<const std::uint8_t> file, bool big_endian,
                                  const std::string& path) {
  auto malformed = [&](const std::string& why) {
    return make_error("malformed ELF file " + path + ": " + why);
  };
  if (file.size() < Layout::kHeaderSize) return malformed("truncated header");
  const ElfReader reader(file, big_endian);
  const std::uint64_t table = Layout::section_table(reader);
  const std::uint64_t entry_size = Layout::section_entry_size(reader);
  std::uint64_t count = Layout::section_count(reader);
  if (table == 0) return malformed("no section headers");
  if (entry_size < Layout::kSectionHeaderSize) return malformed("bad section header size");
  if (table > file.size() || file.size() - table < entry_size) {
    return malformed("section headers past the end of the file");
  }
  // With 0xff00 sections or more, e_shnum is 0 and the count is in the first header's sh_size.
  if (count == 0) count = Layout::section(reader, table).size;
  if (count > (file.size() - table) / entry_size) {
    return malformed("section headers past the end of the file");
  }

  Sha256 outer;
  for (std::uint64_t i = 0; i < count; ++i) {
    const SectionHeader section = Layout::section(reader, table + i * entry_size);
    if ((section.flags & SHF_ALLOC) == 0 || section.type == SHT_NOBITS ||
        section.type == SHT_NOTE) {
      continue;
    }
    if (section.offset > file.size() || file.size() - section.offset < section.size) {
      return malformed("section " + std::to_string(i) + " extends past the end of the file");
    }
    const Sha256Digest inner = sha256(file.subspan(section.offset, section.size));
    outer.update(inner);
  }
  const Sha256Digest digest = outer.finish();
  return to_hex(digest);
}

Result<std::string> plain_file_signature(int fd, const std::string& path) {
  Sha256 hash;
  std::vector<std::uint8_t> chunk(kStreamChunk);
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, chunk.data(), chunk.size(), offset);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("cannot read artifact " + path + ": " + std::strerror(errno));
    }
    hash.update(std::span(chunk.data(), static_cast<std::size_t>(n)));
    offset += n;
  }
  const Sha256Digest digest = hash.finish();
  return to_hex(digest);
}

}  // namespace

Result<std::string> artifact_signature(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return make_error("artifact not found: " + path);
    return make_error("cannot open artifact " + path + ": " + std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return make_error("cannot read artifact " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(info.st_mode)) return make_error("artifact is not a regular file: " + path);

  unsigned char ident[EI_NIDENT] = {};
  ssize_t ident_size = ::pread(fd.get(), ident, sizeof(ident), 0);
  if (ident_size < 0) {
    return make_error("cannot read artifact " + path + ": " + std::strerror(errno));
  }
  const bool is_elf = ident_size >= SELFMAG && std::memcmp(ident, ELFMAG, SELFMAG) == 0;
  if (!is_elf) return plain_file_signature(fd.get(), path);

  if (ident_size < EI_NIDENT)
    return make_error("malformed ELF file " + path + ": truncated header");
  const unsigned char elf_class = ident[EI_CLASS];
  const unsigned char data = ident[EI_DATA];
  if (elf_class != ELFCLASS32 && elf_class != ELFCLASS64) {
    return make_error("malformed ELF file " + path + ": unknown class");
  }
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
    return make_error("malformed ELF file " + path + ": unknown byte order");
  }

  const auto size = static_cast<std::size_t>(info.st_size);
  MappedFile mapped(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0), size);
  if (!mapped.ok()) {
    return make_error("cannot map artifact " + path + ": " + std::strerror(errno));
  }
  const bool big_endian = data == ELFDATA2MSB;
  if (elf_class == ELFCLASS64) {
    return elf_signature<ElfLayout<Elf64_Ehdr, Elf64_Shdr>>(mapped.bytes(), big_endian, path);
  }
  return elf_signature<ElfLayout<Elf32_Ehdr, Elf32_Shdr>>(mapped.bytes(), big_endian, path);
}

}  // namespace culprit::builder
