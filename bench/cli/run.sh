#!/usr/bin/env bash
# Cold start of the CLI (docs/benchmarks.md, "CLI start-up"): `slipway --version` of an earlier commit's CLI
# (default: f45fc92, the last commit before the CLI dropped the server) against this checkout's, each through its own
# ./slipway launcher (CDS archive, C1 only, serial GC), then the levers one by one on this checkout's jar with java
# run directly: no CDS archive, JDK 25 as it comes, JDK 25 with an AOT cache (JEP 483/514), and a JVM printing one
# line as the floor.
#
# Usage: bench/cli/run.sh [BASE_COMMIT] [RUNS]   (the Markdown table is printed and kept in bench/cli/results/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/cli"
base="${1:-f45fc92}"
runs="${2:-30}"
results="${RESULTS:-$here/results}"
work="$(mktemp -d /tmp/slipway-bench-cli.XXXXXX)"
old="$work/old"
cleanup() {
  git -C "$root" worktree remove --force "$old" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$results"

echo "== building $base (old) and this checkout (new), each through its own launcher" >&2
git -C "$root" worktree add --detach -q "$old" "$base"
"$old/slipway" --version >/dev/null
"$root/slipway" --version >/dev/null
new_jar="$root/cli/target/slipway.jar"
old_jar="$old/cli/target/slipway.jar"
size() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }
echo "old jar: $(size "$old_jar"), new jar: $(size "$new_jar")" >&2

# The flags the launcher passes, for the rows that run java directly.
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss1m"
main="-cp $new_jar dev.slipway.cli.Main --version"
# The floor: a JVM that prints one line, with the same flags.
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' >"$work/Hello.java"
javac -d "$work" "$work/Hello.java"
variants=(
  "old: ./slipway (JDK 17, CDS)" "$old/slipway --version"
  "new: ./slipway (JDK 17, CDS)" "$root/slipway --version"
  "new: java, JDK 17 + CDS" "java -XX:SharedArchiveFile=$root/cli/target/slipway.jsa -Xshare:auto -Xlog:cds=off $flags $main"
  "new: java, JDK 17, no app CDS" "java $flags $main"
)
jdk25="$(ls -d /usr/lib/jvm/temurin-25-* 2>/dev/null | head -1 || true)"
if [[ -n "$jdk25" ]]; then
  # The AOT cache is trained like the launcher's CDS archive: one --help run, which loads every command.
  "$jdk25/bin/java" -XX:AOTCacheOutput="$work/slipway.aot" -Xlog:aot=off -Xlog:cds=off $flags \
    -cp "$new_jar" dev.slipway.cli.Main --help >/dev/null 2>&1
  variants+=(
    "new: java, JDK 25, no app cache" "$jdk25/bin/java $flags $main"
    "new: java, JDK 25 + AOT cache" "$jdk25/bin/java -XX:AOTCache=$work/slipway.aot -Xlog:aot=off -Xlog:cds=off $flags $main"
  )
else
  echo "no Temurin 25 in /usr/lib/jvm: the JDK 25 rows are left out" >&2
fi
variants+=("floor: java Hello (JDK 17)" "java $flags -cp $work Hello")

{
  echo "\`slipway --version\`, $(date -u +%Y-%m-%d), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))."
  echo "Jars: old $(size "$old_jar") ($base), new $(size "$new_jar") ($(git -C "$root" rev-parse --short HEAD))."
  echo
  python3 "$here/alternate.py" "$runs" 3 "${variants[@]}"
} | tee "$results/version.md"
