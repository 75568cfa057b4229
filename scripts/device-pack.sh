#!/usr/bin/env bash
# Packs what scripts/gpu-comparison.sh needs on the GPU machine into .device/ (the device tool
# carries at most 64 MiB with the working tree): this machine's Node, the production dependencies
# the CLI loads, and the Vulkan loader, xz-compressed, unpacked there by ../shared/device/unpack.sh.
# Like ../shared/device/pack.sh, with what the CLI never loads left out: measured 2026-12-05 with
# Node 24, that script's pack is 67 MiB (Node 29 MiB, node_modules 40 MiB); this one's node_modules
# is about 21 MiB. Left out:
# - the studio page's packages (naive-ui, echarts, vue and their dependencies): no page is served on
#   the GPU machine, and the CLI never imports them;
# - build tools reached only as optional peers of those (typescript, vite, rolldown, lightningcss,
#   babel, jiti, type declarations);
# - better-sqlite3's C sources and build intermediates (its built .node and lib/ stay);
# - onnxruntime-node's binaries for other systems, source maps, tests and docs.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
shared="$root/../shared/device"
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
rm -rf .device && mkdir -p .device
cp "$shared/unpack.sh" .device/unpack.sh
xz -9 -T0 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
# Packages only the studio page imports, and the packages only they depend on.
page_only='naive-ui|echarts|zrender|vue-echarts|vue|@vue|vue-router|pinia|date-fns|date-fns-tz|lodash|lodash-es|css-render|@css-render|vueuc|vooks|vdirs|seemly|evtd|treemate|@juggle|async-validator|highlight.js|csstype|@emotion|typescript|vite|rolldown|@rolldown|lightningcss|lightningcss-[a-z0-9-]+|@babel|jiti|@types|postcss|@vitejs'
list=$(mktemp)
npm ls --omit=dev --all --parseable 2>/dev/null | sed "s#^$root/##" | grep '^node_modules/' \
  | grep -v -E '^node_modules/(electron|@electron[^/]*)(/|$)' \
  | grep -v -E "^node_modules/($page_only)(/|$)" > "$list" || true
tar --exclude='*.map' --exclude='*/test/*' --exclude='*/docs/*' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
    --exclude='node_modules/better-sqlite3/deps' --exclude='node_modules/better-sqlite3/src' \
    --exclude='node_modules/better-sqlite3/build/Release/obj*' --exclude='node_modules/better-sqlite3/build/Release/.deps' \
    --exclude='node_modules/better-sqlite3/build/electron-*' --exclude='node_modules/better-sqlite3/build/Release/*.a' \
    --no-recursion -T <(while read -r d; do find "$d" -path "$d/node_modules" -prune -o -print; done < "$list") \
    -cf - | xz -9 -T0 > .device/node_modules.tar.xz
rm -f "$list"
if command -v apt-get >/dev/null; then
  ( mkdir -p .device/debs /tmp/amd64/partial && cd .device/debs && \
    o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64' && \
    apt-get $o update >/dev/null 2>&1 && apt-get $o download libvulkan1 >/dev/null 2>&1 ) || echo "note: no Vulkan loader packed (WebGPU EP will be unavailable)"
fi
du -sh .device/* | sort -h
total=$(du -sb .device | cut -f1)
echo "total: $((total/1048576)) MiB (limit 64 MiB, with the rest of the working tree)"
[ "$total" -lt $((60*1048576)) ] || { echo "too large: trim production dependencies" >&2; exit 1; }
