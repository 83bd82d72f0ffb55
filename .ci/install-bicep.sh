#!/usr/bin/env bash
# Installs the Bicep CLI into .tools/bicep/ from the NuGet package Azure.Bicep.CommandLine.linux-x64 (the only
# registry route here: the usual installers download a release binary, which this environment cannot fetch).
# Idempotent: a present binary of the wanted version is kept. Prints the executable's path on stdout.
set -euo pipefail

version="${BICEP_VERSION:-0.49.2}"
package="Azure.Bicep.CommandLine.linux-x64"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_dir="$root/.tools/bicep"
bicep="$install_dir/bicep"

if [[ -x "$bicep" ]] && "$bicep" --version 2>/dev/null | grep -q "version $version "; then
  echo "$bicep"
  exit 0
fi

command -v dotnet >/dev/null || { echo "install-bicep: dotnet is required to restore $package" >&2; exit 1; }

# A throwaway project whose only job is PackageDownload: restore fetches the package without building anything.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat >"$work/restore.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net$(dotnet --version | cut -d. -f1-2)</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$package" Version="[$version]" />
  </ItemGroup>
</Project>
CSPROJ
dotnet restore "$work/restore.csproj" --packages "$work/packages" --verbosity quiet >&2

package_dir="$work/packages/$(echo "$package" | tr '[:upper:]' '[:lower:]')/$version"
[[ -f "$package_dir/tools/bicep" ]] || { echo "install-bicep: no tools/bicep in $package_dir" >&2; exit 1; }

rm -rf "$install_dir"
mkdir -p "$install_dir"
cp -R "$package_dir/tools/." "$install_dir/"
chmod +x "$bicep"
"$bicep" --version >&2
echo "$bicep"
