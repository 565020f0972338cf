#!/usr/bin/env python3
"""Render every overlay and validate each object offline against the vendored schemas.

For each overlay under overlays/: render (tools/render.py), write each object as its own JSON
file grouped by schema, and run check-jsonschema once per schema (schemas/index.json maps
apiVersion/kind to a file; a kind without a schema is an error). Then a self-test: two objects
with a misspelt field each must be refused, or the validation proves nothing.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import render  # noqa: E402

SCHEMAS = os.path.join(ROOT, "schemas")
CHECK = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")


def schema_for(obj, index):
    k = f"{obj['apiVersion']}/{obj['kind']}"
    if k not in index:
        sys.exit(f"validate: no vendored schema for {k} (add it to tools/vendor_schemas.py)")
    return index[k]


def check(groups, expect_ok=True):
    """groups: schema file -> [instance paths]. True when every instance is valid."""
    ok = True
    for schema, files in sorted(groups.items()):
        r = subprocess.run([CHECK, "--disable-formats", "*", "--schemafile",
                            os.path.join(SCHEMAS, schema), *files],
                           capture_output=True, text=True)
        if r.returncode != 0:
            ok = False
            if expect_ok:
                print(r.stdout + r.stderr)
    return ok


def main():
    index = json.load(open(os.path.join(SCHEMAS, "index.json")))
    overlays = sorted(os.listdir(os.path.join(ROOT, "overlays")))
    with tempfile.TemporaryDirectory() as tmp:
        groups, total = {}, 0
        for name in overlays:
            objects = render.render(os.path.join(ROOT, "overlays", name))
            kinds = sorted({o["kind"] for o in objects})
            for i, o in enumerate(objects):
                path = os.path.join(tmp, f"{name}-{i:02}-{o['kind']}-{o['metadata']['name']}.json")
                json.dump(o, open(path, "w"))
                groups.setdefault(schema_for(o, index), []).append(path)
            total += len(objects)
            print(f"validate: overlay {name}: {len(objects)} objects ({', '.join(kinds)})")
        if not check(groups):
            sys.exit("validate: FAILED")
        print(f"validate: {total} objects valid against the schemas of "
              f"{index['_source']['kubernetes']} and {index['_source']['keda']}")

        # Self-test: misspelt fields must be refused by the strict schemas.
        base = render.render(os.path.join(ROOT, "overlays", overlays[0]))
        bad = {}
        dep = copy.deepcopy(next(o for o in base if o["kind"] == "Deployment"))
        dep["spec"]["template"]["spec"]["terminationGracePeriod"] = 60
        so = copy.deepcopy(next(o for o in base if o["kind"] == "ScaledObject"))
        so["spec"]["minReplicas"] = 0
        for n, o in (("dep", dep), ("so", so)):
            p = os.path.join(tmp, f"bad-{n}.json")
            json.dump(o, open(p, "w"))
            if check({schema_for(o, index): [p]}, expect_ok=False):
                sys.exit(f"validate: the schema for {o['kind']} accepted a misspelt field")
        print("validate: self-test: misspelt Deployment and ScaledObject fields are refused")


if __name__ == "__main__":
    main()
