#!/usr/bin/env python3
"""Validates HTTP answers against the schemas of an OpenAPI 3.1 document, as an independent client would.

Used by the Swift tests (KamiflowServerTests): stdin is {"document": PATH, "cases": [{"pointer": JSON-POINTER,
"body": ANY}, ...]}; the pointer names a schema inside the document, e.g. "/components/schemas/Receipt". Prints one
line per case ("ok" or the first error) and exits 1 when any case fails. The document itself is first checked with
openapi-spec-validator.
"""
import json
import sys

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_document
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

request = json.load(sys.stdin)
with open(request["document"], encoding="utf-8") as f:
    document = json.load(f)
validate_document(document)
registry = Registry().with_resource("urn:kamiflow:openapi", Resource(contents=document, specification=DRAFT202012))
failed = False
for case in request["cases"]:
    schema = {"$ref": "urn:kamiflow:openapi#" + case["pointer"]}
    validator = Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(case["body"]), key=lambda e: list(e.path))
    if errors:
        failed = True
        print(f"FAIL {case['pointer']}: {errors[0].message} at {list(errors[0].path)}")
    else:
        print("ok")
sys.exit(1 if failed else 0)
