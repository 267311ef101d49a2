// The service's web page: HTML, CSS and JavaScript from src/serve/web, compiled into the binary
// (cmake/embed_web_assets.cmake), so `culprit serve` needs no files beside it and no network.
#pragma once

#include <string_view>
#include <vector>

namespace culprit::serve {

struct WebAsset {
  std::string_view name;          // "index.html", "app.js", ...
  std::string_view content_type;  // for the Content-Type header
  std::string_view body;
};

extern const std::vector<WebAsset> kWebAssets;

// The asset called `name`, or nullptr.
inline const WebAsset* find_web_asset(std::string_view name) {
  for (const WebAsset& asset : kWebAssets) {
    if (asset.name == name) return &asset;
  }
  return nullptr;
}

}  // namespace culprit::serve
