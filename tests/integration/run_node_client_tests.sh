#!/bin/sh
# run_node_client_tests.sh SOURCE_DIR WORK_DIR — the Node agent package's
# tests (clients/node, `node --test`) against a real hub of this build: copies
# the package without node_modules into WORK_DIR (the checkout stays clean),
# installs exactly the locked dependencies from the npm registry (npm ci),
# then runs the tests. Run by CTest as integration.dialin_node.
set -eu
src=${1:?usage: run_node_client_tests.sh SOURCE_DIR WORK_DIR}/clients/node
work=${2:?usage: run_node_client_tests.sh SOURCE_DIR WORK_DIR}
rm -rf "$work"
mkdir -p "$work"
cp -R "$src/package.json" "$src/package-lock.json" "$src/index.js" "$src/lib" "$src/test" "$work/"
cd "$work"
npm ci --no-audit --no-fund
exec node --test test/agent.test.js
