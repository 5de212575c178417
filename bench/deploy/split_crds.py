#!/usr/bin/env python3
"""Splits one cluster's rendered YAML for kubectl: FILE.crds.yaml (Namespaces and CRDs) and FILE.rest.yaml.

kubectl maps every object of one `apply -f` to a resource before applying any of them, so custom resources
whose CustomResourceDefinition is in the same file fail with "no matches for kind". The usual way round,
used here, is two applies with `kubectl wait --for condition=established` in between.
"""
import re
import sys

FIRST = {"Namespace", "CustomResourceDefinition"}

for path in sys.argv[1:]:
    text = open(path).read()
    documents = [d for d in re.split(r"^---[ \t]*$", text, flags=re.M) if re.search(r"^kind:", d, re.M)]
    first, rest = [], []
    for document in documents:
        kind = re.search(r"^kind:\s*(\S+)", document, re.M).group(1)
        (first if kind in FIRST else rest).append(document.strip("\n"))
    stem = path[: -len(".yaml")]
    for suffix, part in (("crds", first), ("rest", rest)):
        with open(f"{stem}.{suffix}.yaml", "w") as out:
            out.write("\n---\n".join(part) + "\n")
    print(f"{path}: {len(first)} namespace/CRD objects, {len(rest)} others")
