#!/usr/bin/env bash
# Tests must not change tracked files (for example blessed expectations):
# a dirty tree after the tests means an expectation is out of date.
set -euo pipefail
if ! git rev-parse --git-dir >/dev/null 2>&1; then exit 0; fi
if ! git diff --exit-code --stat; then
  echo "check-clean-tree: the tests changed tracked files (see above);" >&2
  echo "  re-bless with UPDATE_EXPECT=1 cargo test -p skel-tests and commit." >&2
  exit 1
fi
