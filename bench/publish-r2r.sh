# Sourced by the bench scripts (from the repository root): publishes edgemanage ReadyToRun and builds edgemanage-bench,
# then sets EM and BENCH. ReadyToRun images are cached in obj by timestamp, and NuGet packages carry old timestamps:
# after a package upgrade the cache would ship the previous version's image (seen with Akka.Cluster 1.5.73 -> 1.5.74),
# so the cache is cleared first.
echo "# publishing edgemanage (ReadyToRun, TieredPGO=false)" >&2
rm -rf src/Node/obj/Release/net10.0/linux-x64/R2R
dotnet publish src/Node -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o artifacts/edgemanage-r2r -nologo -v quiet >&2
echo "# building edgemanage-bench (Release)" >&2
dotnet build bench/Edgemanage.Bench -c Release -nologo -v quiet >&2

EM=artifacts/edgemanage-r2r/edgemanage
BENCH="dotnet bench/Edgemanage.Bench/bin/Release/net10.0/edgemanage-bench.dll"
