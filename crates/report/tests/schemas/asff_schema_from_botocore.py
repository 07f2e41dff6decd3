"""Writes asff-batch-import-findings.schema.json: a JSON Schema (draft 2020-12) for the body of a
Security Hub BatchImportFindings request, generated from the Security Hub API model that
botocore ships (botocore/data/securityhub/2018-10-26/service-2.json.gz, Apache-2.0).

Every structure lists its members (additionalProperties false) and required members; strings
keep their enum, pattern and length limits; lists and maps their size limits. Usage:

    python3 asff_schema_from_botocore.py > asff-batch-import-findings.schema.json
"""

import glob
import gzip
import json
import os
import sys

import botocore

model_path = glob.glob(
    os.path.join(os.path.dirname(botocore.__file__), "data/securityhub/*/service-2.json*")
)[0]
opener = gzip.open if model_path.endswith(".gz") else open
with opener(model_path, "rt") as model_file:
    shapes = json.load(model_file)["shapes"]

defs = {}


def ref(name):
    if name not in defs:
        defs[name] = None  # reserve, so recursive shapes terminate
        defs[name] = convert(shapes[name])
    return {"$ref": f"#/$defs/{name}"}


def convert(shape):
    kind = shape["type"]
    if kind == "structure":
        schema = {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: ref(member["shape"]) for name, member in shape["members"].items()},
        }
        if shape.get("required"):
            schema["required"] = sorted(shape["required"])
        return schema
    if kind == "list":
        schema = {"type": "array", "items": ref(shape["member"]["shape"])}
        if "min" in shape:
            schema["minItems"] = shape["min"]
        if "max" in shape:
            schema["maxItems"] = shape["max"]
        return schema
    if kind == "map":
        schema = {"type": "object", "additionalProperties": ref(shape["value"]["shape"])}
        if "min" in shape:
            schema["minProperties"] = shape["min"]
        if "max" in shape:
            schema["maxProperties"] = shape["max"]
        return schema
    if kind == "string":
        schema = {"type": "string"}
        if "enum" in shape:
            schema["enum"] = shape["enum"]
        if "pattern" in shape:
            schema["pattern"] = shape["pattern"]
        if "min" in shape:
            schema["minLength"] = shape["min"]
        if "max" in shape:
            schema["maxLength"] = shape["max"]
        return schema
    if kind in ("integer", "long"):
        return {"type": "integer"}
    if kind in ("double", "float"):
        return {"type": "number"}
    if kind == "boolean":
        return {"type": "boolean"}
    if kind == "timestamp":
        return {"type": "string"}
    raise SystemExit(f"unhandled shape type {kind}")


root = ref("BatchImportFindingsRequest")
schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": f"Security Hub BatchImportFindings request (from botocore {botocore.__version__})",
    **root,
    "$defs": dict(sorted(defs.items())),
}
json.dump(schema, sys.stdout, indent=1, sort_keys=False)
sys.stdout.write("\n")
