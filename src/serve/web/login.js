"use strict";
// The login form is plain HTML; this only says why the visitor is back on it.
if (new URLSearchParams(location.search).has("failed")) {
  document.getElementById("failed").hidden = false;
}
