#!/usr/bin/env bash
# Formats hypar's C++ files with the repository's .clang-format, or checks that they are formatted.
#   scripts/format.sh            rewrite every unformatted file in place
#   scripts/format.sh --check    change nothing; list the unformatted files and exit 1 if any
#   scripts/format.sh [--check] FILE...   only these files
# The files are the git-tracked *.cpp, *.hpp, *.cc, *.h (and similar) of the checkout; outside a
# git checkout (e.g. an unpacked release archive) the same names found under the source tree,
# minus build/. Only clang-format 14 is used: other major versions lay the same code out
# differently, so with another one (or none) the script says so and exits 0 without judging.
# Environment: CLANG_FORMAT (the program; default clang-format-14, then clang-format).
# Exit status: 0 formatted (or skipped), 1 unformatted files (--check), 2 usage error.
set -euo pipefail

required_major=14
check=0
files=()
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    -h | --help)
      sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*)
      echo "format.sh: unknown option '$arg' (use --check or --help)" >&2
      exit 2
      ;;
    *) files+=("$arg") ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# ---- which clang-format, and is it the one the tree was formatted with -------------------------
tool=${CLANG_FORMAT:-}
if [ -z "$tool" ]; then
  for candidate in clang-format-$required_major clang-format; do
    if command -v "$candidate" >/dev/null 2>&1; then
      tool=$candidate
      break
    fi
  done
fi
if [ -z "$tool" ] || ! command -v "$tool" >/dev/null 2>&1; then
  echo "format.sh: SKIPPED: no clang-format found (install Debian's clang-format, version" \
    "$required_major: scripts/install-deps.sh)" >&2
  exit 0
fi
version_line=$("$tool" --version 2>/dev/null | head -n 1 || true)
major=$(printf '%s\n' "$version_line" | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p' | head -n 1)
if [ "$major" != "$required_major" ]; then
  echo "format.sh: SKIPPED: $tool is '${version_line:-unknown}', but the tree is formatted with" \
    "clang-format $required_major (other versions format differently); set CLANG_FORMAT to a" \
    "clang-format $required_major binary to check" >&2
  exit 0
fi

# ---- the files ---------------------------------------------------------------------------------
patterns=('*.cpp' '*.hpp' '*.cc' '*.cxx' '*.hh' '*.hxx' '*.h' '*.ipp')
if [ ${#files[@]} -eq 0 ]; then
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do
      [ -f "$f" ] && files+=("$f")  # tracked but deleted in the work tree: nothing to format
    done < <(git -C "$root" ls-files -z -- "${patterns[@]}")
  else
    find_args=()
    for p in "${patterns[@]}"; do
      [ ${#find_args[@]} -gt 0 ] && find_args+=(-o)
      find_args+=(-name "$p")
    done
    while IFS= read -r -d '' f; do
      files+=("${f#./}")
    done < <(find . \( -path ./build -o -path ./out -o -path './.*' \) -prune -o \
      -type f \( "${find_args[@]}" \) -print0 | sort -z)
  fi
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "format.sh: no C++ files found under $root" >&2
  exit 0
fi

# ---- format or check ---------------------------------------------------------------------------
if [ $check -eq 0 ]; then
  printf '%s\0' "${files[@]}" | xargs -0 "$tool" -i --style=file
  echo "format.sh: formatted ${#files[@]} files with $tool ($required_major)" >&2
  exit 0
fi
# One run over every file: --dry-run --Werror reports each change clang-format would make as
# "FILE:LINE:COL: error: code should be clang-formatted"; the names of those files are the message.
diagnostics=$(printf '%s\0' "${files[@]}" | xargs -0 "$tool" --dry-run --Werror --style=file 2>&1 \
  >/dev/null || true)
bad=()
while IFS= read -r f; do
  [ -n "$f" ] && bad+=("$f")
done < <(printf '%s\n' "$diagnostics" | sed -n 's/^\(.*\):[0-9][0-9]*:[0-9][0-9]*: error: .*/\1/p' |
  sort -u)
if [ ${#bad[@]} -eq 0 ] && printf '%s\n' "$diagnostics" | grep -q .; then
  # clang-format failed without naming a file (e.g. a broken .clang-format): show what it said.
  printf '%s\n' "$diagnostics" >&2
  echo "format.sh: $tool failed" >&2
  exit 1
fi
if [ ${#bad[@]} -gt 0 ]; then
  {
    echo "format.sh: ${#bad[@]} of ${#files[@]} C++ files are not formatted with .clang-format" \
      "(clang-format $required_major):"
    printf '  %s\n' "${bad[@]}"
    echo "Fix: scripts/format.sh (or cmake --build <dir> --target format), then commit."
  } >&2
  exit 1
fi
echo "format.sh: all ${#files[@]} C++ files are formatted (clang-format $required_major)" >&2
