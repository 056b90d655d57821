#!/usr/bin/env bash
# The whole test suite, on a fresh machine with Go: installs what the tests
# need where it is missing (gcc and g++ for the C header, headless Chromium
# for the docs site, a Prometheus server and promtool for the exporter, curl
# and git for the README's quick start), then runs the static checks and
# `go test -race ./...` in each of the repository's modules (the root,
# verify/ and verify/bench/). .ci/run calls exactly this script.
#
#   ./test.sh                everything
#   ./test.sh ./runtime/...  go test -race on the root module's packages
#                            given (the static checks still run first)
set -euo pipefail
cd "$(dirname "$0")"

# What the tests run besides Go, as Debian packages: command -> package.
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need+=(gcc)
have g++ || need+=(g++)
have objdump || need+=(binutils) # examples/vmm disassembles its guest
{ have chromium || have chromium-browser || have google-chrome; } || need+=(chromium)
{ have prometheus && have promtool; } || need+=(prometheus)
have curl || need+=(curl)
have git || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} (apt-get)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  # policy-rc.d keeps the Prometheus package from starting a system service:
  # the tests start their own server on a free port.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The modules: hvgen itself; verify (its checks by other tools, a module of
# its own so that their requirements, chromedp and x/tools, stay out of the
# module graph of hvgen's users); verify/bench (the event-log reader beside a
# Kaitai Struct parser, whose runtime hvgen does not depend on).
modules=(. verify verify/bench)

# go vet's flags per module: verify/bench/ksy is the parser
# kaitai-struct-compiler generated, which holds a self-assignment the
# compiler emits, so vet's assign check is off there (every other check
# runs; staticcheck, which knows generated files, checks it too).
vetflags() { if [ "$1" = verify/bench ]; then echo -assign=false; fi; }

go version
unformatted=$(gofmt -l . | grep -v '/testdata/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt -l lists files:"; echo "$unformatted"; exit 1
fi
for m in "${modules[@]}"; do
  (cd "$m" && go mod download && go vet $(vetflags "$m") ./... &&
    # staticcheck (from the module proxy) on everything, generated code included.
    go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...)
done

if [ $# -gt 0 ]; then
  exec go test -race "$@"
fi
for m in "${modules[@]}"; do
  (cd "$m" && go test -race ./...)
done
