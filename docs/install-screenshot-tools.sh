#!/usr/bin/env bash
# Installs what docs/make-screenshots.sh needs and a Rust toolchain does not
# bring: Debian's Chromium and its ChromeDriver, and curl. Does nothing when
# they are there already. Needs root (apt-get), as on the project's machines.
set -euo pipefail

missing=()
command -v chromium > /dev/null || missing+=(chromium)
command -v chromedriver > /dev/null || missing+=(chromium-driver)
command -v curl > /dev/null || missing+=(curl)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi
