#!/usr/bin/env python3
"""Checks that no normal (or build) dependency in Cargo.lock declares a newer rust-version than
certcycle does (issue 33, item 7): the declared minimum is true of the locked tree."""
import json, subprocess, sys
meta = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"]))
pkgs = {p["id"]: p for p in meta["packages"]}
root = meta["resolve"]["root"]
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
def ver(v):
    parts = [int(x) for x in (v or "0").split(".")]
    return tuple(parts + [0] * (3 - len(parts)))
ours = pkgs[root]["rust_version"]
seen, stack = set(), [root]
while stack:
    n = stack.pop()
    for d in nodes[n]["deps"]:
        if any(k["kind"] in (None, "build") for k in d["dep_kinds"]) and d["pkg"] not in seen:
            seen.add(d["pkg"]); stack.append(d["pkg"])
newer = sorted(((pkgs[p]["rust_version"], pkgs[p]["name"], pkgs[p]["version"]) for p in seen if ver(pkgs[p]["rust_version"]) > ver(ours)), key=lambda t: ver(t[0]), reverse=True)
top = max((pkgs[p]["rust_version"] or "0" for p in seen), key=ver)
print(f"rust-version {ours}; the newest a normal dependency declares: {top} ({len(seen)} normal dependencies)")
for rv, name, v in newer:
    print(f"  {name} {v} declares rust-version {rv}, newer than the crate's {ours}")
sys.exit(1 if newer else 0)
