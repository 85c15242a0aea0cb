#!/usr/bin/env bash
# Misuse messages in the build users run: builds the tests in release mode (-O, where Swift drops
# `precondition`'s text; SwiftGrad's `check` keeps it) with testing enabled, into .build-release,
# and runs the misuse-message exit tests there. Each test starts a child process that misuses an op
# and asserts that its standard error names the op (or module) and every operand's shape.
#
#     bash .ci/release-messages.sh
#     RELEASE_MESSAGE_FILTER='MisuseMessageTestsDType' bash .ci/release-messages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
filter=${RELEASE_MESSAGE_FILTER:-'ErrorMessageTests|MisuseMessageTests|LinalgErrorTests'}
export SWIFT_BACKTRACE=enable=no

echo "release messages: building the tests with -c release -enable-testing"
swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build-release 2>&1 | tail -1
t0=$SECONDS
if ! swift test -c release -Xswiftc -enable-testing --skip-build --scratch-path .build-release \
        --filter "$filter" > .build-release/messages.log 2>&1; then
    grep -E "✘|error:" .build-release/messages.log | head -40 || true
    echo "release messages: FAILED (log: .build-release/messages.log)"
    exit 1
fi
grep -E "Test run with" .build-release/messages.log || true
echo "release messages: passed (build $((t0 - start)) s, tests $((SECONDS - t0)) s)"
