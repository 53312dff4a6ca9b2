#!/usr/bin/env bash
# Builds artifacts/edgemanage_<version>_amd64.deb from a ReadyToRun publish of src/Node, with dpkg-deb alone.
#
#   packaging/build-deb.sh            then: apt install ./artifacts/edgemanage_*_amd64.deb
#
# Self-contained, not framework-dependent: the node needs the .NET 10 runtime and ASP.NET Core 10 (Kestrel serves
# /metrics and the status page), and Debian 12 has neither in its own repositories. Depending on Microsoft's
# packages would make the .deb uninstallable from Debian's mirrors alone; carrying the runtime (about 70 MB more)
# makes `apt install ./edgemanage_*.deb` work on a fresh machine, pins the runtime the release was tested with,
# and leaves security updates of the runtime to a new edgemanage package.
#
# Layout: the program in /usr/lib/edgemanage, /usr/bin/edgemanage a symlink to its apphost; edge_manage, edge_conf
# and edge_query in /usr/bin as the original's commands (sh wrappers: the apphost does not pass the name it was
# invoked by to .NET, see docs/architecture.md "Packaging"); config in /etc/edgemanage and /etc/logrotate.d;
# units in /lib/systemd/system; bash completion in /usr/share/bash-completion/completions; state in
# /var/lib/edgemanage and logs in /var/log/edgemanage (made by postinst).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

out=artifacts
publish=$out/publish-deb
stage=$out/deb-root
mkdir -p "$out"
rm -rf "$publish" "$stage"

echo "build-deb: publishing src/Node (Release, linux-x64, self-contained, ReadyToRun)" >&2
# ReadyToRun images are cached in obj by timestamp and NuGet packages carry old timestamps, so a package upgrade
# could ship the previous version's image (bench/publish-r2r.sh): start from a clean cache.
rm -rf src/Node/obj/Release/net10.0/linux-x64/R2R
dotnet publish src/Node -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true \
    -o "$publish" -nologo -v quiet >&2

version=$("$publish/edgemanage" version | awk '{print $2}')
[ -n "$version" ] || { echo "build-deb: '$publish/edgemanage version' printed no version" >&2; exit 1; }
# Debian orders 3.0.0~alpha.1 before 3.0.0 (a '-' would start a Debian revision).
debversion=${version//-/\~}

lib=$stage/usr/lib/edgemanage
mkdir -p "$lib" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/usr/share/doc/edgemanage" "$stage/DEBIAN"
cp -a "$publish/." "$lib/"
find "$lib" -name '*.pdb' -delete
ln -s ../lib/edgemanage/edgemanage "$stage/usr/bin/edgemanage"
install -m 0755 packaging/commands/edge_manage packaging/commands/edge_conf packaging/commands/edge_query "$stage/usr/bin/"
# Bash completion, generated from this build's own command tree. bash-completion loads a command's script by the
# command's name, so the original's three names are symlinks to it (the script covers all four).
completions=$stage/usr/share/bash-completion/completions
mkdir -p "$completions"
"$publish/edgemanage" completion bash > "$completions/edgemanage"
for name in edge_manage edge_conf edge_query; do ln -s edgemanage "$completions/$name"; done

cp -a packaging/etc "$stage/etc"
cp -a packaging/systemd/. "$stage/lib/systemd/system/"
install -m 0644 README.md "$stage/usr/share/doc/edgemanage/README.md"
cp -a docs "$stage/usr/share/doc/edgemanage/docs"

# Ownership comes from --root-owner-group; modes are made uniform here (the checkout's umask must not leak in).
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -exec chmod u+rw,go+r,go-w {} +
chmod 0755 "$lib/edgemanage" "$stage"/usr/bin/edge_*

installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$debversion/" -e "s/@INSTALLED_SIZE@/$installed_size/" packaging/debian/control.in > "$stage/DEBIAN/control"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
(cd "$stage" && find etc -type f | sort | sed 's|^|/|') > "$stage/DEBIAN/conffiles"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

deb=$out/edgemanage_${debversion}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
