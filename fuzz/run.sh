#!/usr/bin/env bash
# Runs fuzz targets on nightly for a given time each, one after another.
#   fuzz/run.sh SECONDS [TARGET...]     (default: every target)
# New corpus entries go to fuzz/corpus/TARGET (not committed); crashes to fuzz/artifacts/.
# Needs: rustup toolchain nightly, `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(pem_parse pem_roundtrip bundle_merge cert_der verify_chain go_duration cert_der_differential prepared_verify k8s_objects k8s_plan rotation_schedule shell_words auto_manifests operations)
fi
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  echo "== $t for ${secs}s"
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=4096 -timeout=10 2>&1 | grep -E "^Done|ERROR|panicked|SUMMARY|rc=" | tail -n 8
done
