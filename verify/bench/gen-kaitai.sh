#!/usr/bin/env bash
# Regenerates ksy/eventlog_buffer.go from eventlog_buffer.ksy with the npm
# package kaitai-struct-compiler 0.11.0 (installed into a temporary folder).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm install --silent --no-audit --no-fund kaitai-struct-compiler@0.11.0 js-yaml@4 >/dev/null)
mkdir -p ksy
NODE_PATH="$tmp/node_modules" node - <<'JS'
const fs = require('fs');
const yaml = require('js-yaml');
const KaitaiStructCompiler = require('kaitai-struct-compiler');
const ksy = yaml.load(fs.readFileSync('eventlog_buffer.ksy', 'utf8'));
const compiler = typeof KaitaiStructCompiler === 'function' ? new KaitaiStructCompiler() : KaitaiStructCompiler;
compiler.compile('go', ksy, null, false).then(files => {
  for (const [name, text] of Object.entries(files)) {
    const base = name.split('/').pop();
    // The compiler writes no package clause; the parser lives in package ksy
    // (not "kaitai", the runtime's own name).
    const lines = text.split('\n');
    lines.splice(1, 0, '', 'package ksy');
    fs.writeFileSync('ksy/' + base, lines.join('\n'));
    console.log('wrote ksy/' + base);
  }
}).catch(e => { console.error(e); process.exit(1); });
JS
gofmt -w ksy
