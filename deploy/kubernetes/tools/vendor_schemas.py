#!/usr/bin/env python3
"""Regenerate schemas/ (run by hand, not by the tests; the output is committed).

Kubernetes: the kinds used here, from PyPI `kubernetes-validate` (its bundled
kubernetes-json-schema, v1.31.0-local-strict), made standalone: every definition a kind reaches is
copied under its own `$defs`, so one small file validates one kind offline.
KEDA: the openAPIV3Schema of the CRDs at a KEDA release (a checkout of github.com/kedacore/keda
at the tag), turned into JSON Schema the way openapi2jsonschema --strict does: objects that list
properties get additionalProperties: false (the API server's strict field validation), apiVersion
and kind are pinned.

  python3 -m venv /tmp/kv && /tmp/kv/bin/pip install kubernetes-validate==1.37.0 pyyaml
  /tmp/kv/bin/python tools/vendor_schemas.py --keda-repo /path/to/keda --keda-ref v2.20.2
"""
import argparse
import json
import os
import subprocess

import kubernetes_validate
import yaml

K8S_VERSION = "1.31.0"
K8S_KINDS = {  # file in kubernetes-json-schema -> (apiVersion, kind)
    "namespace-v1.json": ("v1", "Namespace"),
    "configmap-v1.json": ("v1", "ConfigMap"),
    "serviceaccount-v1.json": ("v1", "ServiceAccount"),
    "deployment-apps-v1.json": ("apps/v1", "Deployment"),
    "poddisruptionbudget-policy-v1.json": ("policy/v1", "PodDisruptionBudget"),
}
KEDA_CRDS = {
    "keda.sh_scaledobjects.yaml": "scaledobject-keda-v1alpha1.json",
    "keda.sh_triggerauthentications.yaml": "triggerauthentication-keda-v1alpha1.json",
}
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "schemas")


def standalone(src_dir, name):
    defs = json.load(open(os.path.join(src_dir, "_definitions.json")))["$defs"]
    root = json.load(open(os.path.join(src_dir, name)))
    wanted, todo = {}, [root]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and "#/$defs/" in ref:
                d = ref.split("#/$defs/")[1]
                node["$ref"] = "#/$defs/" + d
                if d not in wanted:
                    wanted[d] = defs[d]
                    todo.append(wanted[d])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    root.pop("$id", None)
    root["$defs"] = dict(sorted(wanted.items()))
    return root


def strict(node):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node \
                and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
        for v in node.values():
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keda-repo", required=True)
    ap.add_argument("--keda-ref", default="v2.20.2")
    args = ap.parse_args()
    src = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema",
                       f"v{K8S_VERSION}-local-strict")
    index = {}
    for name, (api, kind) in K8S_KINDS.items():
        schema = standalone(src, name)
        out = f"{kind.lower()}-{api.replace('/', '-')}.json"
        json.dump(schema, open(os.path.join(OUT, out), "w"), indent=1, sort_keys=True)
        index[f"{api}/{kind}"] = out
    for crd_file, out in KEDA_CRDS.items():
        text = subprocess.run(["git", "-C", args.keda_repo, "show",
                               f"{args.keda_ref}:config/crd/bases/{crd_file}"],
                              check=True, capture_output=True, text=True).stdout
        crd = yaml.safe_load(text)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for v in crd["spec"]["versions"]:
            schema = v["schema"]["openAPIV3Schema"]
            strict(schema)
            schema["properties"]["apiVersion"] = {"type": "string", "enum": [f"{group}/{v['name']}"]}
            schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
            schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "spec"})
            # metadata is the API server's ObjectMeta, not described by the CRD: names only.
            schema["properties"]["metadata"] = {"type": "object"}
            schema["$schema"] = "http://json-schema.org/draft-07/schema#"
            json.dump(schema, open(os.path.join(OUT, out), "w"), indent=1, sort_keys=True)
            index[f"{group}/{v['name']}/{kind}"] = out
    index["_source"] = {"kubernetes": f"kubernetes-validate 1.37.0 (PyPI), v{K8S_VERSION}-local-strict",
                        "keda": f"kedacore/keda {args.keda_ref} config/crd/bases"}
    json.dump(index, open(os.path.join(OUT, "index.json"), "w"), indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
