"""Checks the Scoop and winget manifests that `make dist` wrote to dist/.

Neither schema is vendored: this holds the fields each one requires, with
their patterns, as published by the two projects (read for facts):
  - winget: microsoft/winget-cli, schemas/JSON/manifests/v1.12.0/
    manifest.{version,defaultLocale,installer}.1.12.0.json (the manifest
    version goreleaser v2.15 writes; it says so in ManifestVersion);
  - Scoop: ScoopInstaller/Scoop, schema.json (version is required; an app
    needs a url and hash per architecture to install at all).
Beyond the schemas it checks what makes a manifest work for this project:
every URL names an archive of this release, every hash is that archive's
SHA-256, and every executable the manifest puts on PATH is in the archive.

    python3 .ci/packaging/manifests.py DIST_DIR
"""

import hashlib
import json
import os
import re
import sys
import zipfile

import yaml

# The executables every Windows install must put on PATH: aztoken, and the
# name docker runs its credential helper by.
EXECUTABLES = ["aztoken.exe", "docker-credential-aztoken.exe"]

# winget-cli's schemas, v1.12.0: required fields and their patterns.
WINGET_ID = re.compile(r'^[^.\s\\/:*?"<>|\x01-\x1f]{1,32}(\.[^.\s\\/:*?"<>|\x01-\x1f]{1,32}){1,7}$')
WINGET_VERSION = re.compile(r'^[^\\/:*?"<>|\x01-\x1f]+$')
WINGET_LOCALE = re.compile(r'^([a-zA-Z]{2,3}|[iI]-[a-zA-Z]+|[xX]-[a-zA-Z]{1,8})(-[a-zA-Z]{1,8})*$')
WINGET_MANIFEST_VERSION = re.compile(r'^\d{1,5}\.\d{1,5}\.\d{1,5}$')
SHA256 = re.compile(r'^[A-Fa-f0-9]{64}$')
URL = re.compile(r'^[Hh][Tt][Tt][Pp][Ss]?://.+$')
WINGET_REQUIRED = {
    "version": ["PackageIdentifier", "PackageVersion", "DefaultLocale", "ManifestType", "ManifestVersion"],
    "defaultLocale": ["PackageIdentifier", "PackageVersion", "PackageLocale", "Publisher", "PackageName",
                      "License", "ShortDescription", "ManifestType", "ManifestVersion"],
    "installer": ["PackageIdentifier", "PackageVersion", "Installers", "ManifestType", "ManifestVersion"],
}
# Lengths the defaultLocale schema bounds (minLength, maxLength).
WINGET_LENGTHS = {"Publisher": (2, 256), "PackageName": (2, 256), "License": (3, 512),
                  "ShortDescription": (3, 256), "Description": (3, 10000)}
WINGET_ARCHITECTURES = {"x86", "x64", "arm", "arm64", "neutral"}

SCOOP_VERSION = re.compile(r'^[\w\-.+_]+$')
# Scoop's architecture keys.
SCOOP_ARCHITECTURES = {"32bit", "64bit", "arm64"}

errors = []


def fail(what):
    errors.append(what)


def archives(dist):
    """The release's archives by file name, with their SHA-256 from the checksums file."""
    sums = {}
    for name in os.listdir(dist):
        if name.endswith("_checksums.txt"):
            with open(os.path.join(dist, name)) as f:
                for line in f:
                    digest, file = line.split()
                    sums[file] = digest
    if not sums:
        fail(f"{dist} has no checksums file: run make dist first")
    for file, digest in sums.items():
        with open(os.path.join(dist, file), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                fail(f"{file}: its SHA-256 is not the one in the checksums file")
    return sums


def check_archive(where, dist, sums, url, digest, executables):
    """url names an archive of this release whose SHA-256 is digest and which holds executables."""
    name = url.rsplit("/", 1)[-1]
    if name not in sums:
        fail(f"{where}: {url} names no archive of this release ({', '.join(sorted(sums))})")
        return
    if digest.lower() != sums[name]:
        fail(f"{where}: the hash for {name} is {digest}, the archive's SHA-256 is {sums[name]}")
    with zipfile.ZipFile(os.path.join(dist, name)) as z:
        held = set(z.namelist())
    for exe in executables:
        if exe not in held:
            fail(f"{where}: {name} has no {exe}")


def check_scoop(dist, sums, version):
    path = os.path.join(dist, "scoop", "aztoken.json")
    if not os.path.exists(path):
        fail(f"{path} is missing: scoops in .goreleaser.yaml made no manifest")
        return
    with open(path) as f:
        m = json.load(f)
    where = "scoop manifest"
    if not SCOOP_VERSION.match(str(m.get("version", ""))):
        fail(f"{where}: version {m.get('version')!r} is missing or does not match {SCOOP_VERSION.pattern}")
    elif m["version"] != version:
        fail(f"{where}: version {m['version']} is not the release's {version}")
    for field in ("homepage", "description", "license"):
        if not m.get(field):
            fail(f"{where}: {field} is missing")
    arches = m.get("architecture") or {}
    if set(arches) - SCOOP_ARCHITECTURES:
        fail(f"{where}: unknown architectures {sorted(set(arches) - SCOOP_ARCHITECTURES)}")
    for want in ("64bit", "arm64"):
        if want not in arches:
            fail(f"{where}: no {want} architecture")
    for arch, spec in arches.items():
        url, digest = spec.get("url", ""), spec.get("hash", "")
        if not URL.match(url) or not SHA256.match(digest):
            fail(f"{where}: {arch} needs an http(s) url and a SHA-256 hash, has {url!r}, {digest!r}")
            continue
        bins = spec.get("bin", m.get("bin"))
        bins = [bins] if isinstance(bins, str) else (bins or [])
        bins = [b if isinstance(b, str) else b[0] for b in bins]
        if sorted(bins) != sorted(EXECUTABLES):
            fail(f"{where}: {arch} puts {bins} on PATH, not {EXECUTABLES}")
        check_archive(f"{where} ({arch})", dist, sums, url, digest, bins)


def check_winget(dist, sums, version):
    found = {}
    for top, _, files in os.walk(os.path.join(dist, "winget")):
        for name in files:
            with open(os.path.join(top, name)) as f:
                doc = yaml.safe_load(f)
            found[doc.get("ManifestType")] = (name, doc)
    for kind, required in WINGET_REQUIRED.items():
        if kind not in found:
            fail(f"winget: no {kind} manifest in {dist}/winget")
            continue
        name, doc = found[kind]
        for field in required:
            if field not in doc or doc[field] in (None, "", []):
                fail(f"winget {name}: required field {field} is missing")
        if not WINGET_ID.match(str(doc.get("PackageIdentifier", ""))):
            fail(f"winget {name}: PackageIdentifier {doc.get('PackageIdentifier')!r} does not match the schema")
        if not WINGET_VERSION.match(str(doc.get("PackageVersion", ""))) or doc.get("PackageVersion") != version:
            fail(f"winget {name}: PackageVersion {doc.get('PackageVersion')!r} is not the release's {version}")
        if not WINGET_MANIFEST_VERSION.match(str(doc.get("ManifestVersion", ""))):
            fail(f"winget {name}: ManifestVersion {doc.get('ManifestVersion')!r} is not x.y.z")
        locale = doc.get("DefaultLocale") or doc.get("PackageLocale")
        if locale is not None and not WINGET_LOCALE.match(locale):
            fail(f"winget {name}: locale {locale!r} does not match the schema")
    if "defaultLocale" in found:
        name, doc = found["defaultLocale"]
        for field, (lo, hi) in WINGET_LENGTHS.items():
            if field in doc and not lo <= len(str(doc[field])) <= hi:
                fail(f"winget {name}: {field} must be {lo} to {hi} characters long")
        for field in ("PublisherUrl", "PublisherSupportUrl", "PackageUrl", "LicenseUrl"):
            if field in doc and not URL.match(str(doc[field])):
                fail(f"winget {name}: {field} {doc[field]!r} is not an http(s) URL")
    if "installer" in found:
        check_winget_installers(dist, sums, *found["installer"])


def check_winget_installers(dist, sums, name, doc):
    arches = set()
    for i, inst in enumerate(doc.get("Installers") or []):
        where = f"winget {name}, installer {i}"
        arch = inst.get("Architecture")
        arches.add(arch)
        if arch not in WINGET_ARCHITECTURES:
            fail(f"{where}: Architecture {arch!r} is not one of {sorted(WINGET_ARCHITECTURES)}")
        url, digest = inst.get("InstallerUrl", ""), inst.get("InstallerSha256", "")
        if not URL.match(url) or not SHA256.match(digest):
            fail(f"{where}: needs an http(s) InstallerUrl and a SHA-256 InstallerSha256, has {url!r}, {digest!r}")
            continue
        kind = inst.get("InstallerType", doc.get("InstallerType"))
        nested = inst.get("NestedInstallerType", doc.get("NestedInstallerType"))
        files = inst.get("NestedInstallerFiles", doc.get("NestedInstallerFiles")) or []
        if kind != "zip" or nested != "portable":
            fail(f"{where}: a zip of portable executables needs InstallerType zip and NestedInstallerType portable, has {kind!r}, {nested!r}")
        paths = [f.get("RelativeFilePath") for f in files]
        aliases = [f.get("PortableCommandAlias") for f in files]
        if sorted(paths) != sorted(EXECUTABLES):
            fail(f"{where}: NestedInstallerFiles are {paths}, not {EXECUTABLES}")
        if sorted(a for a in aliases if a) != sorted(e.removesuffix(".exe") for e in EXECUTABLES):
            fail(f"{where}: PortableCommandAlias names are {aliases}")
        check_archive(where, dist, sums, url, digest, [p for p in paths if p])
    for want in ("x64", "arm64"):
        if want not in arches:
            fail(f"winget {name}: no {want} installer")


def main():
    dist = sys.argv[1]
    with open(os.path.join(dist, "metadata.json")) as f:
        version = json.load(f)["version"]
    sums = archives(dist)
    check_scoop(dist, sums, version)
    check_winget(dist, sums, version)
    for e in errors:
        print("FAIL", e)
    if errors:
        sys.exit(1)
    print(f"ok: the Scoop and winget manifests of {version} are complete, and name this release's Windows archives with their SHA-256")


main()
