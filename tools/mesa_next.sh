#!/usr/bin/env bash
# A newer Mesa lavapipe (>= 25.2: VK_KHR_cooperative_matrix, which Debian 12's Mesa 22.3 lacks) and a newer Khronos
# validation layer (one that knows the extension), unpacked from Debian's newer releases into .cache/mesa-next
# without apt or root, for the tests of the cooperative-matrix shaders (CTest vulkan_ops_coopmat).
#   tools/mesa_next.sh                   fetch once (a second run checks a stamp and does nothing, offline)
#   .cache/mesa-next/run PROG ARGS       run PROG there: the new lavapipe and layer, through the newer release's
#   tools/mesa_next.sh --run PROG ARGS   own C library loader (its libraries first, then the system's)
# Programs built on Debian 12 run under the newer C library (it is backward compatible); the reverse would not.
set -euo pipefail
ROOT_DIR="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT_DIR/.cache/mesa-next"
PACKAGES="mesa-vulkan-drivers libvulkan1 vulkan-validationlayers"
MIN_MESA="25.2"  # lavapipe's cooperative matrices
STAMP="$PACKAGES (min $MIN_MESA, layout 2, $DIR)"  # a change of any redoes the install
say() { printf '[mesa-next] %s\n' "$*" >&2; }
die() { printf '[mesa-next] error: %s\n' "$*" >&2; exit 1; }

if [ "${1-}" = "--run" ]; then  # kept for CTest and habit: the same as .cache/mesa-next/run
  shift
  [ -x "$DIR/run" ] || die "$DIR/run is missing: run tools/mesa_next.sh (CTest's mesa_next_fetch does) first"
  exec "$DIR/run" "$@"
fi
ready() { [ -x "$DIR/run" ] && [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$STAMP" ]; }
if ready; then say "ready: $(cat "$DIR/versions")"; exit 0; fi

[ "$(uname -m)" = "x86_64" ] || die "only x86_64 is supported (Debian amd64 packages)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian: dpkg)"
mkdir -p "$DIR/debs"
exec 9>"$DIR/.lock"  # two concurrent runs (two build trees' CTest) would unpack over each other
flock 9
if ready; then say "ready: $(cat "$DIR/versions")"; exit 0; fi
STAGE="$DIR/.stage"  # everything is made here, then moved into place; the stamp, written last, marks it complete
rm -rf "$STAGE" && mkdir -p "$STAGE/root" "$STAGE/layers"
trap 'rm -rf "$STAGE"' EXIT

# The packages and their Depends/Pre-Depends closure (first alternative), each name from the first suite that has
# it: trixie-backports (Mesa 26), trixie-updates, trixie -- a stable release, whose files stay on the mirror; or
# unstable alone if backports' Mesa is missing or too old. Each .deb is checked against the index's SHA256.
/usr/bin/python3 - "$DIR/debs" "$MIN_MESA" $PACKAGES > "$STAGE/list" <<'EOF' || die "resolving or downloading the packages failed"
import concurrent.futures, hashlib, lzma, os, re, sys, urllib.request
debs, min_mesa, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
MIRROR = "http://deb.debian.org/debian"
# Data or documentation only: the libraries work without them (extra locales, X11's key tables, docs).
SKIP = {"libc-gconv-modules-extra", "libx11-data", "libdrm-common"} | {f"gcc-{v}-base" for v in range(10, 30)}
def fail(msg): sys.exit(f"[mesa-next] error: {msg}")
def fetch(url, timeout):
    try: return urllib.request.urlopen(url, timeout=timeout).read()
    except Exception as e: fail(f"cannot download {url}: {e}")

def index(suite):
    url = f"{MIRROR}/dists/{suite}/main/binary-amd64/Packages.xz"
    pk, prov = {}, {}
    for block in lzma.decompress(fetch(url, 120)).decode().split("\n\n"):
        d = dict(re.findall(r"^([\w-]+): *(.*)$", block, re.M))
        if "Package" in d:
            pk.setdefault(d["Package"], d)
            for p in d.get("Provides", "").split(","):
                if p.strip(): prov.setdefault(p.split("(")[0].strip(), d)
    print(f"[mesa-next] index {suite}: {len(pk)} packages", file=sys.stderr)
    return pk, prov

def find(suites, name):  # real packages before virtual ones (Provides), suites in order
    return next((s[0][name] for s in suites if name in s[0]), None) or \
           next((s[1][name] for s in suites if name in s[1]), None)
def upstream(v):  # "1:26.1.6-1~bpo13+1" -> [26, 1]
    return [int(x) for x in re.findall(r"\d+", v.split(":")[-1].split("-")[0])[:2]]

suites = [index(s) for s in ("trixie-backports", "trixie-updates", "trixie")]
mesa = find(suites, "mesa-vulkan-drivers")
if not mesa or upstream(mesa["Version"]) < upstream(min_mesa):
    print(f"[mesa-next] trixie's Mesa is {mesa and mesa['Version']}, below {min_mesa}: using unstable", file=sys.stderr)
    suites = [index("unstable")]
    mesa = find(suites, "mesa-vulkan-drivers")
    if not mesa or upstream(mesa["Version"]) < upstream(min_mesa):
        fail(f"no mesa-vulkan-drivers >= {min_mesa} in unstable either")
todo, seen, chosen = list(wanted), set(), []
while todo:
    name = todo.pop(0)
    if name in seen or name in SKIP: continue
    seen.add(name)
    d = find(suites, name) or fail(f"no package {name} in the chosen suites")
    for dep in (d.get("Pre-Depends", "") + "," + d.get("Depends", "")).split(","):
        first = dep.split("|")[0].split("(")[0].strip().split(":")[0]  # "libc6:any (>= 2.38)" -> "libc6"
        if first: todo.append(first)
    if d["Package"] not in {c["Package"] for c in chosen}: chosen.append(d)

def get(d):  # cached .debs whose hash still matches are not downloaded again
    deb = os.path.join(debs, os.path.basename(d["Filename"]))
    if os.path.exists(deb) and hashlib.sha256(open(deb, "rb").read()).hexdigest() == d["SHA256"]: return deb, 0
    url = f"{MIRROR}/{d['Filename']}"
    data = fetch(url, 300)
    if hashlib.sha256(data).hexdigest() != d["SHA256"]: fail(f"{url}: SHA256 differs from the index's")
    with open(deb + ".part", "wb") as f: f.write(data)
    os.replace(deb + ".part", deb)
    return deb, len(data)
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    got = list(pool.map(get, chosen))
print(f"[mesa-next] {len(chosen)} packages, {sum(n for _, n in got) / 2**20:.1f} MiB downloaded, "
      f"{sum(int(d.get('Size', 0)) for d in chosen) / 2**20:.1f} MiB in all", file=sys.stderr)
for (deb, _), d in zip(got, chosen): print(deb, d["Package"], d["Version"])
EOF
while read -r deb name version; do
  dpkg-deb -x "$deb" "$STAGE/root" || die "unpacking $deb failed"
  case "$name" in
    mesa-vulkan-drivers) MESA="$version" ;;
    vulkan-validationlayers) LAYER="$version" ;;
  esac
done < "$STAGE/list"
echo "Mesa ${MESA:?}, Khronos validation layer ${LAYER:?}" > "$STAGE/versions"

L="$STAGE/root/usr/lib/x86_64-linux-gnu"
[ -f "$L/libvulkan_lvp.so" ] || die "no libvulkan_lvp.so in the unpacked packages"
grep -aq VK_KHR_cooperative_matrix "$L/libvulkan_lvp.so" || die "this lavapipe ($MESA) has no VK_KHR_cooperative_matrix"
[ -f "$L/libVkLayer_khronos_validation.so" ] || die "no validation layer in the unpacked packages"
# The manifests with absolute paths into the final root (Debian's name the libraries alone, for the system's path).
L="$DIR/root/usr/lib/x86_64-linux-gnu"
sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$L/libvulkan_lvp.so\"#" \
  "$STAGE/root/usr/share/vulkan/icd.d/lvp_icd.json" > "$STAGE/lvp_icd.json"
sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$L/libVkLayer_khronos_validation.so\"#" \
  "$STAGE/root/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json" \
  > "$STAGE/layers/VkLayer_khronos_validation.json"
grep -q "$L/libvulkan_lvp.so" "$STAGE/lvp_icd.json" || die "could not rewrite lvp_icd.json's library_path"

# The wrapper. An explicit loader starts the program, so the newer C library and its dependencies come from the root
# (then Debian 12's for what the root lacks). The program's path is resolved here: ld.so does not search PATH, and
# a relative one stays relative to the caller's directory. Only our layer path, and no implicit layers: the host's
# (Debian 12's device_select, RenderDoc...) stay out of the newer loader unless the caller asks otherwise.
cat > "$STAGE/run" <<EOF
#!/usr/bin/env bash
# Runs PROGRAM [ARGS...] on $(cat "$STAGE/versions") (written by tools/mesa_next.sh).
set -e
[ \$# -ge 1 ] || { echo "usage: \$0 PROGRAM [ARGS...]" >&2; exit 2; }
D="$DIR" R="$DIR/root"
P="\$1"; case "\$P" in */*) ;; *) P="\$(type -P "\$P")" || { echo "[mesa-next] \$1: not found" >&2; exit 127; } ;; esac
export VK_ICD_FILENAMES="\$D/lvp_icd.json" VK_DRIVER_FILES="\$D/lvp_icd.json"
export VK_LAYER_PATH="\$D/layers" VK_ADD_LAYER_PATH="\$D/layers"
export VK_LOADER_LAYERS_DISABLE="\${VK_LOADER_LAYERS_DISABLE-~implicit~}"
exec "\$R/usr/lib64/ld-linux-x86-64.so.2" --argv0 "\$1" \\
  --library-path "\$R/usr/lib/x86_64-linux-gnu:\$R/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" \\
  "\$P" "\${@:2}"
EOF
chmod +x "$STAGE/run"

# Into place: the stamp goes first and comes back last, so an interrupted run is redone by the next.
rm -rf "$DIR/stamp" "$DIR/run" "$DIR/version"  # (version: an earlier layout's)
for f in root lvp_icd.json layers versions list; do rm -rf "${DIR:?}/$f" && mv "$STAGE/$f" "$DIR/$f"; done
"$STAGE/run" /bin/true || die "the unpacked C library cannot start a program"
if command -v vulkaninfo >/dev/null; then  # the whole chain: loader, lavapipe, layer manifest (if vulkaninfo is here)
  info=$("$STAGE/run" vulkaninfo --summary 2>&1) || die "vulkaninfo through $DIR/run failed: $info"
  grep -q "driverInfo *= Mesa" <<<"$info" || die "vulkaninfo through $DIR/run sees no Mesa: $info"
  v=$(grep -o '^[0-9]*\.[0-9]*\.[0-9]*' <<<"$LAYER")  # "1.4.309.0-1" -> "1.4.309", as the layer's manifest says
  grep -q "VK_LAYER_KHRONOS_validation .* $v " <<<"$info" || die "vulkaninfo does not list validation layer $v: $info"
  say "$(grep -m1 -o 'deviceName.*' <<<"$info" | tr -s ' ')"
fi
mv "$STAGE/run" "$DIR/run"
echo "$STAMP" > "$DIR/stamp"
say "ready: $(cat "$DIR/versions") in $DIR ($(du -sh "$DIR/debs" | cut -f1) of packages); run programs with $DIR/run"
