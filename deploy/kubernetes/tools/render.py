#!/usr/bin/env python3
"""Render a kustomization offline: the subset of kustomize these manifests use, nothing more.

Neither `kubectl kustomize` nor a pure-Python kustomize is available on this machine (PyPI's
`kustomize` package is a Python DSL for writing objects, not a renderer of kustomization.yaml),
so this implements exactly the fields used under deploy/kubernetes/ and refuses any other:

  resources:  files (one or more YAML documents) and directories holding a kustomization.yaml
  namespace:  set on every namespaced object
  labels:     [{pairs: {...}}] added to metadata.labels (includeSelectors is not supported)
  images:     [{name, newName?, newTag?}] rewrites container and initContainer images
  patches:    [{path, target?: {kind, name}}] strategic-merge patches (one or more documents
              per file): maps merge, the lists Kubernetes merges by key merge by that key
              (containers, initContainers, env, volumes by name; volumeMounts by mountPath),
              other lists are replaced (as kustomize does for custom resources such as
              ScaledObject triggers), `$patch: delete` on an object or list item removes it.

Output: the rendered objects as YAML documents (default) or a JSON array (--json), in the order
kustomize emits them for `resources` (depth first, in listed order).
"""
import argparse
import copy
import json
import os
import sys

import yaml

KNOWN = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}
# The merge keys of the lists patched here (Kubernetes' patchMergeKey of each field).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                  "ClusterTriggerAuthentication"}


class RenderError(Exception):
    pass


def load_docs(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def merge(base, patch, field=None):
    """Strategic merge of `patch` into `base` (both plain YAML values)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = merge(out[k], v, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    mkey = MERGE_KEYS.get(field)
    if (isinstance(base, list) and isinstance(patch, list) and mkey
            and all(isinstance(i, dict) and mkey in i for i in base + patch)):
        out = [copy.deepcopy(i) for i in base]
        for item in patch:
            for idx, have in enumerate(out):
                if have[mkey] == item[mkey]:
                    if item.get("$patch") == "delete":
                        del out[idx]
                    else:
                        out[idx] = merge(have, item, None)
                    break
            else:
                if item.get("$patch") != "delete":
                    out.append(copy.deepcopy(item))
        return out
    return copy.deepcopy(patch)


def key(obj):
    return (obj.get("kind"), obj.get("metadata", {}).get("name"))


def set_images(obj, images):
    spec = obj.get("spec", {}).get("template", {}).get("spec")
    if not spec:
        return
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        name, _, tag = c["image"].partition(":")
        for img in images:
            if img["name"] == name:
                name = img.get("newName", name)
                tag = img.get("newTag", tag)
                c["image"] = f"{name}:{tag}" if tag else name


def render(directory):
    kfile = os.path.join(directory, "kustomization.yaml")
    if not os.path.isfile(kfile):
        raise RenderError(f"{directory}: no kustomization.yaml")
    k = load_docs(kfile)[0]
    unknown = set(k) - KNOWN
    if unknown:
        raise RenderError(f"{kfile}: fields this renderer does not implement: {sorted(unknown)}")
    objects = []
    for res in k.get("resources", []):
        path = os.path.normpath(os.path.join(directory, res))
        if os.path.isdir(path):
            objects.extend(render(path))
        elif os.path.isfile(path):
            objects.extend(load_docs(path))
        else:
            raise RenderError(f"{kfile}: resource {res} not found")
    seen = set()
    for o in objects:
        if key(o) in seen:
            raise RenderError(f"{kfile}: {key(o)} defined twice")
        seen.add(key(o))
    for p in k.get("patches", []):
        ppath = os.path.join(directory, p["path"])
        for patch in load_docs(ppath):
            target = p.get("target") or {"kind": patch.get("kind"),
                                         "name": patch.get("metadata", {}).get("name")}
            hits = [i for i, o in enumerate(objects)
                    if o.get("kind") == target.get("kind")
                    and ("name" not in target or o["metadata"]["name"] == target["name"])]
            if not hits:
                raise RenderError(f"{ppath}: patch matches no object ({target})")
            for i in reversed(hits):
                if patch.get("$patch") == "delete":
                    del objects[i]
                else:
                    body = {kk: vv for kk, vv in patch.items() if kk not in ("apiVersion", "kind")}
                    body.get("metadata", {}).pop("name", None)
                    objects[i] = merge(objects[i], body)
    for o in objects:
        if k.get("namespace") and o.get("kind") not in CLUSTER_SCOPED:
            o.setdefault("metadata", {})["namespace"] = k["namespace"]
        for lab in k.get("labels", []):
            if set(lab) - {"pairs"}:
                raise RenderError(f"{kfile}: only labels[].pairs is implemented")
            o.setdefault("metadata", {}).setdefault("labels", {}).update(lab["pairs"])
        set_images(o, k.get("images", []))
    return objects


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="a directory with a kustomization.yaml (base or overlay)")
    ap.add_argument("--json", action="store_true", help="one JSON array instead of YAML")
    args = ap.parse_args()
    try:
        objects = render(args.dir)
    except (RenderError, OSError, yaml.YAMLError) as e:
        sys.exit(f"render: {e}")
    if args.json:
        json.dump(objects, sys.stdout, indent=1, sort_keys=True)
        print()
    else:
        yaml.safe_dump_all(objects, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
