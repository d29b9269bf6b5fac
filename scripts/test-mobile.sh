#!/usr/bin/env bash
# The mobile binding (bindings/mobile): build the host cdylib, generate the Kotlin
# and Swift bindings with the crate's own uniffi-bindgen, check the Swift API,
# run the Kotlin behaviour suite and API tests with Maven (and install the jar),
# then build and run the README's Kotlin example against that jar from outside
# the repository. Idempotent; exits non-zero on any failure or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
mobile=$root/bindings/mobile
say() { printf '\033[1;34m[mobile]\033[0m %s\n' "$*"; }
. "$root/scripts/lib/apt.sh"
started=$SECONDS

# --- tools: a JDK and Maven (Maven fetches its plugins and libraries from Maven Central into ~/.m2)
need_apt=()
command -v javac >/dev/null || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
apt_install "[mobile]" "${need_apt[@]}"

# --- the host library and the generator (one build: same features, so nothing is built twice)
say "cargo build -p fotobase-mobile (dev profile) with its uniffi-bindgen"
t=$SECONDS
# fotobase-bindings/workspace-features: fotobase with the features `cargo test --workspace` gave it,
# so this reuses that build instead of compiling fotobase again (docs/BUILDING.md).
cargo build --locked -p fotobase-mobile --features cli,fotobase-bindings/workspace-features --lib --bin uniffi-bindgen
case "$(uname -s)" in Darwin) ext=dylib ;; *) ext=so ;; esac
libdir=$CARGO_TARGET_DIR/debug
lib=$libdir/libfotobase_mobile.$ext
bindgen=$libdir/uniffi-bindgen
say "built in $((SECONDS - t))s: $lib"

# --- bindings, generated fresh from the library's metadata (library mode)
kotlin_out=$mobile/kotlin/target/generated-sources/uniffi
swift_out=$CARGO_TARGET_DIR/uniffi/swift
rm -rf "$kotlin_out" "$swift_out"
"$bindgen" generate "$lib" --language kotlin --out-dir "$kotlin_out" --no-format >/dev/null
"$bindgen" generate "$lib" --language swift --out-dir "$swift_out" --no-format >/dev/null
say "generated $(find "$kotlin_out" -name '*.kt' | sed "s|$root/||") and $(ls "$swift_out" | tr '\n' ' ')"

# --- Swift: no toolchain here, so check that the generated module declares the API.
swift=$swift_out/Fotobase.swift
missing=0
for decl in \
  'public func compress(data: Data, options: CompressOptions = CompressOptions())' \
  'public func optimize(data: Data, algorithm: String, target: String' \
  'public func thumbnail(data: Data, width: UInt32' \
  'public func compare(reference: Data, distorted: Data' \
  'public func compareAll(data: Data, target: String' \
  'public func comparePixels(reference: Pixels, distorted: Pixels' \
  'public func algorithms() -> [AlgorithmInfo]' \
  'public func probe(data: Data)' \
  'public func synthetic(width: UInt32, height: UInt32, seed: UInt64, format: String)' \
  'public func hashPassword(password: String)' \
  'public func verifyPassword(hash: String, password: String)' \
  'public func needsRehash(hash: String) -> Bool' \
  'public func publicIdEncode(secret: Data, prefix: String, id: UInt64)' \
  'public func publicIdDecode(secret: Data, prefix: String, publicId: String)' \
  'open class TokenIssuer:' \
  'public static func generate(issuer: String, audience: String, algorithm: String? = nil)' \
  'public static func fromJwks(jwksJson: String, issuer: String, audience: String)' \
  'open func issue(subject: String, options: TokenOptions = TokenOptions())' \
  'open func verify(token: String)' \
  'open func jwks() -> String' \
  'enum FotobaseError: Swift.Error' \
  'case TokenExpired(reason: String' \
  'public func code() -> String' \
  'public struct CompressOptions: Equatable, Hashable' \
  'public struct Compressed: Equatable, Hashable' \
  'public struct Claims: Equatable, Hashable'; do
  if ! grep -qF -- "$decl" "$swift"; then
    echo "Swift bindings lack: $decl" >&2
    missing=$((missing + 1))
  fi
done
[ -f "$swift_out/FotobaseFFI.h" ] && [ -f "$swift_out/FotobaseFFI.modulemap" ] || { echo "no FotobaseFFI.h/.modulemap" >&2; missing=$((missing + 1)); }
if [ "$missing" -ne 0 ]; then
  echo "swift: $missing expected declarations missing" >&2
  exit 1
fi
say "swift: the generated Fotobase.swift declares the whole API (26 declarations checked)"

# --- Kotlin: compile the generated code and the tests, run them, package and install the jar.
# Maven's own chatter is filtered: what remains is the per-class and total test counts,
# errors, and the BUILD line (the full log is kept in the Maven target directory).
mvn_log=$(mktemp)
say "mvn install (Kotlin $(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' "$mobile/kotlin/pom.xml"), JUnit 5, JNA; tests load $lib)"
t=$SECONDS
set +e
mvn -B -ntp -Dstyle.color=never -f "$mobile/kotlin/pom.xml" \
  -Dfotobase.native.dir="$libdir" -Duniffi.kotlin.dir="$kotlin_out" -Dsurefire.printSummary=true \
  install >"$mvn_log" 2>&1
mvn_rc=$?
set -e
grep -E 'Tests run:|BUILD (SUCCESS|FAILURE)|Total time|^\[ERROR\]|^corpus' "$mvn_log" | grep -vE '^\[ERROR\] *$|Re-run Maven|-> \[Help|^\[ERROR\] (To see|For more|\[Help)' || true
mkdir -p "$mobile/kotlin/target" && cp "$mvn_log" "$mobile/kotlin/target/mvn.log" && rm -f "$mvn_log"
say "maven took $((SECONDS - t))s (log: bindings/mobile/kotlin/target/mvn.log)"
# The aggregate line is the last "Tests run:" without "in <class>".
totals=$(grep -E 'Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' "$mobile/kotlin/target/mvn.log" | tail -1 || true)
read -r run failures errors skipped < <(sed -E 's/.*Tests run: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+), Skipped: ([0-9]+).*/\1 \2 \3 \4/' <<<"${totals:-Tests run: 0, Failures: 0, Errors: 0, Skipped: 0}")
echo "kotlin: $((run - failures - errors - skipped)) passed, $((failures + errors)) failed, $skipped skipped"
if [ "$mvn_rc" -ne 0 ]; then
  echo "maven failed (exit $mvn_rc)" >&2
  exit 1
fi
if [ "$run" -eq 0 ]; then
  echo "maven ran no tests" >&2
  exit 1
fi

# --- the jar from outside the repository: compile the README's Kotlin example against
# fotobase:fotobase-mobile from ~/.m2 and run it with plain `java`.
smoke=$(mktemp -d "${TMPDIR:-/tmp}/fotobase-mobile-smoke.XXXXXX")
trap 'rm -rf "$smoke"' EXIT
mkdir -p "$smoke/src"
cp "$mobile/kotlin/smoke/pom.xml" "$smoke/"
cp "$mobile/kotlin/smoke/Main.kt" "$smoke/src/"
# README: the first ```kotlin block after "## Kotlin"; its imports go first, the rest is the body.
example=$(awk '/^## Kotlin/ { k = 1 } k && /^```kotlin/ { on = 1; next } on && /^```/ { exit } on' "$mobile/README.md")
[ -n "$example" ] || { echo "no Kotlin example in bindings/mobile/README.md" >&2; exit 1; }
{
  grep -E '^import ' <<<"$example"
  echo 'fun readmeExample(photo: ByteArray, jwksJson: String, accessToken: String) {'
  grep -vE '^import ' <<<"$example"
  echo '}'
} >"$smoke/src/Example.kt"
say "building the README example against the installed jar in $smoke"
kotlin_version=$(sed -n 's:.*<kotlin.version>\(.*\)</kotlin.version>.*:\1:p' "$mobile/kotlin/pom.xml")
if ! (cd "$smoke" && mvn -B -ntp -Dstyle.color=never -Dkotlin.version="$kotlin_version" compile >mvn.log 2>&1); then
  grep -E '^\[ERROR\]' "$smoke/mvn.log" >&2 || cat "$smoke/mvn.log" >&2
  echo "the README example does not compile against the jar" >&2
  exit 1
fi
(cd "$smoke" && java -Djna.library.path="$libdir" -cp "target/classes:$(cat target/classpath.txt)" MainKt)
say "done in $((SECONDS - started))s"
