#!/usr/bin/env bash
# Signs a macOS digiusher-mcp binary with a Developer ID and has Apple notarize it; the
# release workflow runs it on every macOS build (the two thin binaries and the universal one).
#
#   release/macos-sign.sh BINARY
#
# Why: the macOS Keychain lets the program that created an item read it back when its code
# signature satisfies the item's access rule. For an unsigned or ad-hoc-signed binary that
# rule is the exact build, so every update made macOS ask for the login keychain password,
# in a dialog a host-started server cannot explain. A Developer ID signature with a fixed
# identifier makes the rule "this identifier, signed by this team": updates keep access.
#
# Needs these secrets in the environment (from the repository's Actions secrets):
#   MACOS_CERTIFICATE_P12       the Developer ID Application certificate and key, .p12, base64
#   MACOS_CERTIFICATE_PASSWORD  its password
#   MACOS_SIGNING_IDENTITY      e.g. "Developer ID Application: DigiUsher Ltd (TEAMID1234)"
#   MACOS_NOTARY_APPLE_ID, MACOS_NOTARY_TEAM_ID, MACOS_NOTARY_PASSWORD
#                               an Apple ID, its team, and an app-specific password for notarytool
# Without MACOS_CERTIFICATE_P12 it signs nothing, prints a workflow warning and exits 0, so
# forks and dry runs still build (their binaries are ad-hoc signed by the linker). With the
# certificate but without the notary secrets it signs and warns that it did not notarize.
set -euo pipefail

binary="${1:-}"
if [ -z "$binary" ] || [ ! -f "$binary" ]; then
  echo "usage: release/macos-sign.sh BINARY" >&2
  exit 2
fi
IDENTIFIER="com.digiusher.digiusher-mcp"

if [ -z "${MACOS_CERTIFICATE_P12:-}" ]; then
  echo "::warning::No MACOS_CERTIFICATE_P12 secret: $binary is not signed with a Developer ID nor notarized; macOS will ask for the login keychain password after each update of this build."
  exit 0
fi
: "${MACOS_CERTIFICATE_PASSWORD:?needs MACOS_CERTIFICATE_PASSWORD with MACOS_CERTIFICATE_P12}"
: "${MACOS_SIGNING_IDENTITY:?needs MACOS_SIGNING_IDENTITY with MACOS_CERTIFICATE_P12}"

work="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/macos-sign.XXXXXX")"
keychain="$work/signing.keychain-db"
keychain_password="$(openssl rand -hex 24)"
cleanup() {
  security delete-keychain "$keychain" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A keychain of its own for the certificate, searched before the others while signing.
printf '%s' "$MACOS_CERTIFICATE_P12" | base64 --decode >"$work/certificate.p12"
security create-keychain -p "$keychain_password" "$keychain"
security set-keychain-settings -lut 3600 "$keychain"
security unlock-keychain -p "$keychain_password" "$keychain"
security import "$work/certificate.p12" -k "$keychain" -P "$MACOS_CERTIFICATE_PASSWORD" -T /usr/bin/codesign
security set-key-partition-list -S apple-tool:,apple: -s -k "$keychain_password" "$keychain" >/dev/null
# shellcheck disable=SC2046 # the list of keychains, one word each
security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')

# Hardened runtime and a secure timestamp: both required for notarization.
codesign --force --options runtime --timestamp --identifier "$IDENTIFIER" \
  --keychain "$keychain" --sign "$MACOS_SIGNING_IDENTITY" "$binary"
codesign --verify --strict --verbose=2 "$binary"
codesign --display --verbose=2 "$binary" 2>&1 | grep -E '^(Identifier|Authority|TeamIdentifier)='

if [ -z "${MACOS_NOTARY_APPLE_ID:-}" ] || [ -z "${MACOS_NOTARY_TEAM_ID:-}" ] || [ -z "${MACOS_NOTARY_PASSWORD:-}" ]; then
  echo "::warning::No MACOS_NOTARY_* secrets: $binary is signed but not notarized; Gatekeeper may refuse it when downloaded by a browser."
  exit 0
fi
# A bare binary cannot be stapled: Gatekeeper looks the ticket up online on first run.
ditto -c -k --keepParent "$binary" "$work/notarize.zip"
xcrun notarytool submit "$work/notarize.zip" --wait --timeout 30m \
  --apple-id "$MACOS_NOTARY_APPLE_ID" --team-id "$MACOS_NOTARY_TEAM_ID" --password "$MACOS_NOTARY_PASSWORD" \
  --output-format json | tee "$work/notary.json"
grep -q '"status" *: *"Accepted"' "$work/notary.json" || {
  echo "::error::notarization of $binary was not accepted (see the log above; xcrun notarytool log ID shows why)"
  exit 1
}
echo "release/macos-sign.sh: $binary signed as $IDENTIFIER and notarized"
