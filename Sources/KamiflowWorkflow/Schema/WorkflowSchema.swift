/// The JSON Schema (draft 2020-12) of `kamiflow: 1` workflow files.
///
/// It ships with the product so that editors validate and complete workflow files while they are written
/// (`# yaml-language-server: $schema=…`). It checks shapes only; the loader does the checks a schema cannot
/// (zones inside the page, rules naming declared fields, near-miss suggestions). The property lists come from the
/// loader's own key tables, so the two cannot drift apart on which keys exist.
public enum WorkflowSchema {
    /// The schema as pretty-printed JSON text.
    public static var json: String {
        func keys(_ list: [String]) -> String { list.map { "\"\($0)\"" }.joined(separator: ", ") }
        func names<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> String where E.RawValue == String {
            keys(E.allCases.map(\.rawValue))
        }
        return """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": "https://kamiflow.example/schemas/workflow-1.json",
              "title": "Kamiflow workflow (kamiflow: 1)",
              "description": "One paper form and what becomes of it: layout in millimetres, fields, rules, review policy, delivery mapping.",
              "type": "object",
              "required": ["kamiflow", "workflow", "form"],
              "additionalProperties": false,
              "properties": {
                "kamiflow": {"const": 1, "description": "Format version."},
                "workflow": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "description": "Id used in records and idempotency keys."},
                "title": {"type": "string"},
                "description": {"type": "string"},
                "form": {"$ref": "#/$defs/form"},
                "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
                "witnesses": {"type": "array", "items": {"$ref": "#/$defs/witness"}, "description": "Fields checked against master data (kamiflow masters import)."},
                "review": {"$ref": "#/$defs/review"},
                "deliver": {"type": "array", "items": {"$ref": "#/$defs/delivery"}}
              },
              "$defs": {
                "rect": {
                  "description": "[x, y, width, height] in millimetres from the top-left of the page.",
                  "type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}, {"type": "number", "exclusiveMinimum": 0}, {"type": "number", "exclusiveMinimum": 0}],
                  "minItems": 4, "maxItems": 4
                },
                "fieldPath": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*(\\\\.[A-Za-z_][A-Za-z0-9_]*)*$"},
                "sourcePath": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*(\\\\[[0-9]+\\\\])?(\\\\.[A-Za-z_][A-Za-z0-9_]*)*$"},
                "printedText": {
                  "type": "object", "additionalProperties": false, "required": ["text", "zone"],
                  "properties": {
                    "text": {"type": "string"}, "zone": {"$ref": "#/$defs/rect"}, "size": {"type": "number", "exclusiveMinimum": 0},
                    "align": {"enum": [\(names(PrintedText.Alignment.self))]}, "bold": {"type": "boolean"}
                  }
                },
                "printedTextOrString": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/printedText"}]},
                "form": {
                  "type": "object", "additionalProperties": false, "required": ["fields"],
                  "propertyNames": {"enum": [\(keys(Keys.form))]},
                  "properties": {
                    "page": {
                      "oneOf": [
                        {"enum": [\(keys(PageSpec.named.keys.sorted()))]},
                        {"type": "object", "additionalProperties": false, "properties": {
                          "size": {"enum": [\(keys(PageSpec.named.keys.sorted()))]}, "dpi": {"type": "integer", "minimum": 72},
                          "width": {"type": "number", "exclusiveMinimum": 0}, "height": {"type": "number", "exclusiveMinimum": 0}}}
                      ]
                    },
                    "title": {"$ref": "#/$defs/printedTextOrString"},
                    "code": {"$ref": "#/$defs/printedTextOrString"},
                    "identify": {
                      "oneOf": [
                        {"enum": ["code", "only"]},
                        {"type": "object", "additionalProperties": false, "required": ["zone", "contains"],
                         "properties": {"zone": {"$ref": "#/$defs/rect"}, "contains": {"type": "string"}}},
                        {"type": "object", "additionalProperties": false, "required": ["code"], "properties": {"code": {"const": true}}}
                      ]
                    },
                    "register": {
                      "oneOf": [
                        {"enum": ["none", "lines"]},
                        {"type": "object", "additionalProperties": false, "required": ["marks"], "properties": {"marks": {
                          "oneOf": [{"const": "corners"}, {"type": "object", "additionalProperties": false, "properties": {
                            "size": {"type": "number", "exclusiveMinimum": 0}, "inset": {"type": "number", "exclusiveMinimum": 0}}}]}}},
                        {"type": "object", "additionalProperties": false, "required": ["border"], "properties": {"border": {"$ref": "#/$defs/rect"}}},
                        {"type": "object", "additionalProperties": false, "required": ["anchors"], "properties": {"anchors": {
                          "type": "array", "minItems": 3, "items": {"type": "object", "additionalProperties": false, "required": ["text", "zone"],
                          "properties": {"text": {"type": "string"}, "zone": {"$ref": "#/$defs/rect"}}}}}}
                      ]
                    },
                    "texts": {"type": "array", "items": {"$ref": "#/$defs/printedText"}},
                    "cell_margin": {"type": "number", "minimum": 0},
                    "label_width": {"type": "number", "minimum": 0},
                    "typeface": {"type": "string", "pattern": "\\\\.(ttf|otf|ttc)$"},
                    "reference": {"type": "string", "minLength": 1, "description": "the blank of a form Kamiflow did not print (PNG, JPEG, TIFF or PDF), relative to the workflow file; zones are millimetres on it"},
                    "fields": {
                      "type": "object",
                      "propertyNames": {"$ref": "#/$defs/fieldPath"},
                      "additionalProperties": {"oneOf": [{"$ref": "#/$defs/field"}, {"$ref": "#/$defs/group"}]}
                    }
                  }
                },
                "options": {"type": "object", "minProperties": 1, "additionalProperties": {"$ref": "#/$defs/rect"}},
                "field": {
                  "type": "object", "additionalProperties": false, "required": ["type"],
                  "propertyNames": {"enum": [\(keys(Keys.field))]},
                  "properties": {
                    "type": {"enum": [\(names(FieldType.self))]},
                    "label": {"type": "string"},
                    "label_zone": {"$ref": "#/$defs/rect"},
                    "zone": {"$ref": "#/$defs/rect"},
                    "cells": {"type": "object", "additionalProperties": false, "required": ["count", "first", "pitch"], "properties": {
                      "count": {"type": "integer", "minimum": 1}, "first": {"$ref": "#/$defs/rect"}, "pitch": {"type": "number", "exclusiveMinimum": 0}}},
                    "box": {"$ref": "#/$defs/rect"},
                    "boxes": {"$ref": "#/$defs/options"},
                    "circle": {"$ref": "#/$defs/options"},
                    "mode": {"enum": [\(names(ChoiceMode.self))]},
                    "thresholds": {"type": "object", "additionalProperties": false, "properties": {
                      "filled": {"type": "number", "minimum": 0, "maximum": 1}, "empty": {"type": "number", "minimum": 0, "maximum": 1}}},
                    "era": {"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1, "properties": {
                      "boxes": {"$ref": "#/$defs/options"}, "circle": {"$ref": "#/$defs/options"}}},
                    "eras": {"type": "array", "items": {"enum": ["明治", "大正", "昭和", "平成", "令和", "明", "大", "昭", "平", "令", "M", "T", "S", "H", "R"]}},
                    "parts": {"type": "object", "additionalProperties": false, "required": ["year", "month", "day"], "properties": {
                      "year": {"$ref": "#/$defs/rect"}, "month": {"$ref": "#/$defs/rect"}, "day": {"$ref": "#/$defs/rect"}}},
                    "overflow": {"enum": [\(names(EraOverflowPolicy.self))]},
                    "lang": {"type": "string", "pattern": "^[A-Za-z_]+(\\\\+[A-Za-z_]+)*$"},
                    "psm": {"type": "integer", "minimum": 3, "maximum": 13},
                    "whitelist": {"type": "string"},
                    "required": {"type": "boolean"},
                    "pattern": {"type": "string", "format": "regex"},
                    "values": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "uniqueItems": true},
                    "values_file": {"type": "string", "description": "A UTF-8 file of the values, one a line, relative to the workflow file (in place of values)"},
                    "length": {"oneOf": [{"type": "integer", "minimum": 1},
                      {"type": "array", "prefixItems": [{"type": "integer", "minimum": 0}, {"type": "integer", "minimum": 0}], "minItems": 2, "maxItems": 2}]},
                    "range": {"type": "array", "prefixItems": [{"type": ["number", "null"]}, {"type": ["number", "null"]}], "minItems": 2, "maxItems": 2},
                    "shape": {"enum": [\(names(TextShape.self))], "description": "The shape a plausible value has: an address, a family and a given name in kana, or a name as written"},
                    "sensitive": {"type": "boolean"},
                    "default": {"type": ["string", "number", "boolean"]},
                    "sample": {"type": "string", "description": "Hint for the fake-data generator of the forms renderer."},
                    "note": {"type": "string"}
                  }
                },
                "group": {
                  "type": "object", "additionalProperties": false, "required": ["repeat", "fields"],
                  "properties": {
                    "repeat": {"type": "integer", "minimum": 1},
                    "step": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}], "minItems": 2, "maxItems": 2},
                    "min": {"type": "integer", "minimum": 0},
                    "label": {"type": "string"},
                    "label_zone": {"$ref": "#/$defs/rect"},
                    "fields": {"type": "object", "propertyNames": {"$ref": "#/$defs/fieldPath"}, "additionalProperties": {"$ref": "#/$defs/field"}}
                  }
                },
                "rule": {
                  "type": "object", "additionalProperties": false,
                  "properties": {
                    "require": {"$ref": "#/$defs/fieldPath"},
                    "when": {"oneOf": [{"$ref": "#/$defs/fieldPath"}, {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": ["string", "number", "boolean"]}}]},
                    "compare": {"type": "string", "pattern": "(<|>|==|!=)"},
                    "equal": {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/fieldPath"}},
                    "fold": {"enum": [\(names(Folding.self))]},
                    "message": {"type": "string"},
                    "severity": {"enum": ["error", "warning"]}
                  },
                  "oneOf": [{"required": ["require"]}, {"required": ["compare"]}, {"required": ["equal"]}]
                },
                "witness": {
                  "type": "object", "additionalProperties": false,
                  "description": "postal + address: 郵便番号 ↔ 住所; bank (+ branch, bank_name): 金融機関・支店 codes ↔ names; bank_name alone: a bank's name (and branch) in the 全銀 master; name + kana: 氏名 ↔ フリガナ (may_differ: the kana is most often the name's reading, not always); kana alone: a name in kana the dictionary almost knows is in doubt; field + table + column: a value of a municipality's own table.",
                  "properties": {
                    "postal": {"$ref": "#/$defs/fieldPath"},
                    "address": {"$ref": "#/$defs/fieldPath"},
                    "bank": {"$ref": "#/$defs/fieldPath"},
                    "branch": {"$ref": "#/$defs/fieldPath"},
                    "bank_name": {"$ref": "#/$defs/fieldPath"},
                    "name": {"$ref": "#/$defs/fieldPath"},
                    "kana": {"$ref": "#/$defs/fieldPath"},
                    "field": {"$ref": "#/$defs/fieldPath"},
                    "table": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "description": "A table imported with kamiflow masters import --from table:NAME=FILE.csv"},
                    "column": {"type": "string", "description": "A column of the table's header row"},
                    "correct": {"type": "boolean", "description": "false: a value one character from one of the column's is flagged, not replaced"},
                    "may_differ": {"type": "boolean", "description": "with name + kana: true when the kana may be somebody else's name (a 口座名義 of a family member's account); only one voiced mark from the name's reading is then flagged"}
                  },
                  "dependentRequired": {"may_differ": ["name", "kana"]},
                  "oneOf": [
                    {"required": ["postal", "address"], "not": {"anyOf": [{"required": ["may_differ"]}, {"required": ["bank"]}, {"required": ["bank_name"]}, {"required": ["kana"]}, {"required": ["table"]}, {"required": ["correct"]}]}},
                    {"required": ["bank"], "not": {"anyOf": [{"required": ["may_differ"]}, {"required": ["postal"]}, {"required": ["kana"]}, {"required": ["table"]}, {"required": ["correct"]}]}},
                    {"required": ["bank_name"], "not": {"anyOf": [{"required": ["may_differ"]}, {"required": ["bank"]}, {"required": ["branch"]}, {"required": ["postal"]}, {"required": ["kana"]}, {"required": ["table"]}, {"required": ["correct"]}]}},
                    {"required": ["kana"], "not": {"anyOf": [{"required": ["postal"]}, {"required": ["bank"]}, {"required": ["bank_name"]}, {"required": ["table"]}, {"required": ["correct"]}]}},
                    {"required": ["field", "table", "column"], "not": {"anyOf": [{"required": ["may_differ"]}, {"required": ["postal"]}, {"required": ["bank"]}, {"required": ["bank_name"]}, {"required": ["kana"]}]}}
                  ]
                },
                "review": {
                  "type": "object", "additionalProperties": false,
                  "properties": {
                    "below_confidence": {"type": "number", "minimum": 0, "maximum": 100},
                    "always": {"type": "array", "items": {"$ref": "#/$defs/fieldPath"}},
                    "double_entry": {"type": "array", "items": {"$ref": "#/$defs/fieldPath"}},
                    "on_rule_failure": {"enum": [\(names(RuleFailureAction.self))]},
                    "floors": {
                      "type": "object",
                      "description": "Floors by field type or by field (as kamiflow calibrate chooses them)",
                      "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100}
                    },
                    "silent_errors": {
                      "type": "string", "pattern": "^[0-9]+(\\\\.[0-9]+)?\\\\s*%$",
                      "description": "The share of fields that may be wrong with no issue, e.g. 0.05%"
                    }
                  }
                },
                "delivery": {
                  "type": "object", "additionalProperties": false, "required": ["to", "record"],
                  "properties": {
                    "to": {"type": "string"},
                    "resource": {"type": "string"},
                    "for_each": {"type": "string", "description": "A repeating group: one payload per filled row"},
                    "record": {"type": "object", "additionalProperties": {"oneOf": [
                      {"$ref": "#/$defs/sourcePath"},
                      {"type": "object", "additionalProperties": false, "required": ["const"], "properties": {"const": {"type": ["string", "number", "boolean"]}}},
                      {"type": "object", "additionalProperties": false, "required": ["count"], "properties": {
                        "count": {"$ref": "#/$defs/fieldPath"},
                        "unless": {"$ref": "#/$defs/fieldPath"},
                        "times": {"type": "integer", "minimum": 1}}},
                      {"allOf": [{"$ref": "#/$defs/mappedSource"}, {"properties": {
                        "each": {"enum": [\(names(RepeatLayout.self))]},
                        "or": {"oneOf": [
                          {"$ref": "#/$defs/sourcePath"}, {"$ref": "#/$defs/mappedSource"},
                          {"type": "array", "items": {"oneOf": [{"$ref": "#/$defs/sourcePath"}, {"$ref": "#/$defs/mappedSource"}]}}]}}}],
                       "unevaluatedProperties": false}
                    ]}}
                  }
                },
                "mappedSource": {
                  "type": "object", "required": ["from"], "properties": {
                    "from": {"$ref": "#/$defs/sourcePath"},
                    "codes": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
                    "format": {"enum": [\(names(DateFormat.self))]},
                    "part": {"enum": ["bank", "branch", "account", "kind", "kind_code", "kigou", "bangou"]},
                    "fold": {"enum": [\(names(ValueFolding.self))]}}
                }
              }
            }
            """
    }
}
