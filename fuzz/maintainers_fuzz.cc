// libFuzzer target for the MAINTAINERS parser: any text must parse without crashing, and asking
// it about paths taken from the input must give a self-consistent answer. Built and run by
// fuzz/build_and_run.sh maintainers.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "require.h"
#include "vcs/maintainers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto maintainers = culprit::vcs::Maintainers::parse(text);
  culprit::vcs::MaintainersQuery query;
  // Paths: the input's F: patterns themselves, a few fixed ones, and a line of the input.
  for (const auto& section : maintainers.sections()) {
    for (const std::string& pattern : section.files) {
      if (query.files.size() < 8) query.files.push_back(pattern);
    }
  }
  query.files.push_back("drivers/net/ethernet/intel/e1000/e1000_main.c");
  query.files.push_back("kernel/");
  query.files.push_back(std::string(text.substr(0, text.find('\n')).substr(0, 200)));
  query.keyword_text = std::string(text.substr(0, 4096));
  auto answer = maintainers.find(query);
  std::set<std::string> to(answer.to.begin(), answer.to.end());
  for (const std::string& cc : answer.cc) require(to.count(cc) == 0);
  for (const auto& contact : answer.contacts) require(!contact.email.empty());
  (void)culprit::vcs::email_address(text.substr(0, 512));
  return 0;
}
