import KamiflowConnectors
import KamiflowRuntime

/// The JSON Schema (draft 2020-12) of the deployment file `kamiflow.yaml`, for editors to validate and complete it
/// as they do workflow files (``WorkflowSchema``). Its property lists are the loader's (``DeploymentKeys``, each
/// connection type's settings), so the schema and the loader cannot disagree on which keys exist; the loader does
/// what a schema cannot (cron fields, time zones, a connection's URL and layout).
enum DeploymentSchema {
    static var json: String {
        func keys(_ list: [String]) -> String { list.map { "\"\($0)\"" }.joined(separator: ", ") }
        let connections = ConnectionConfiguration.typeNames.map { type in
            let settings = ConnectionConfiguration.settingNames(forType: type) ?? ["type"]
            return """
                        {"type": "object", "required": ["type"], "propertyNames": {"enum": [\(keys(settings))]},
                         "properties": {"type": {"const": "\(type)"}}}
                """
        }
        return """
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": "https://kamiflow.example/schemas/deployment-1.json",
              "title": "Kamiflow deployment file (kamiflow.yaml)",
              "description": "One site's connections to core systems, journal, workers, drop folders and schedules.",
              "type": "object",
              "additionalProperties": false,
              "propertyNames": {"enum": [\(keys(DeploymentKeys.top))]},
              "properties": {
                "kamiflow": {"const": 1, "description": "Format version."},
                "connections": {"type": "object", "additionalProperties": {"oneOf": [
            \(connections.joined(separator: ",\n"))
                ]}},
                "journal": {
                  "type": "string",
                  "description": "The SQLite journal's path, or a postgres:// URL for a journal several machines share."
                },
                "journal_password_env": {
                  "type": "string", "description": "The environment variable holding the PostgreSQL journal's password."
                },
                "workers": {"type": "integer", "minimum": 1},
                "queue": {
                  "type": "object", "additionalProperties": false, "required": ["spool", "workflow"],
                  "description": "Scans submitted with 'kamiflow run --submit', taken by every 'kamiflow serve'.",
                  "properties": {
                    "spool": {"type": "string", "description": "A folder every node reaches (NFS/SMB)."},
                    "workflow": {"type": "string"},
                    "poll": {"$ref": "#/$defs/duration"}
                  }
                },
                "node": {
                  "type": "string", "pattern": "^[A-Za-z0-9._-]{1,63}$",
                  "description": "This machine's name among the nodes sharing the journal."
                },
                "heartbeat": {
                  "$ref": "#/$defs/duration",
                  "description": "How often this node tells the journal it is alive (default 10s)."
                },
                "memory_budget": {
                  "type": "integer", "minimum": 16,
                  "description": "Mebibytes that the pages being read may hold at once (default 320)."
                },
                "watch": {
                  "type": "object", "additionalProperties": false, "required": ["inboxes"],
                  "propertyNames": {"enum": [\(keys(DeploymentKeys.watch))]},
                  "properties": {
                    "detection": {"enum": [\(keys(DropFolderConfiguration.Detection.allCases.map(\.rawValue)))]},
                    "settle": {"$ref": "#/$defs/duration"},
                    "poll": {"$ref": "#/$defs/duration"},
                    "shutdown_deadline": {"$ref": "#/$defs/duration"},
                    "inboxes": {"type": "array", "items": {
                      "type": "object", "additionalProperties": false, "required": ["path", "workflow"],
                      "propertyNames": {"enum": [\(keys(DeploymentKeys.inbox))]},
                      "properties": {"path": {"type": "string"}, "workflow": {"type": "string"}}}}
                  }
                },
                "schedules": {"type": "array", "items": {
                  "type": "object", "additionalProperties": false, "required": ["name", "cron", "run"],
                  "propertyNames": {"enum": [\(keys(DeploymentKeys.schedule))]},
                  "properties": {
                    "name": {"type": "string"},
                    "cron": {"type": "string",
                      "description": "Five fields: minute hour day-of-month month day-of-week."},
                    "time_zone": {"type": "string", "description": "An IANA name; Asia/Tokyo when left out."},
                    "skip_weekends": {"type": "boolean"},
                    "skip_holidays": {"type": "boolean"},
                    "run": {
                      "type": "object", "additionalProperties": false, "required": ["workflow", "inputs"],
                      "propertyNames": {"enum": [\(keys(DeploymentKeys.run))]},
                      "properties": {
                        "workflow": {"type": "string"}, "inputs": {"type": "array", "items": {"type": "string"}}}
                    }
                  }}},
                "missed_run_grace": {"$ref": "#/$defs/duration"}
              },
              "$defs": {
                "duration": {"oneOf": [
                  {"type": "string", "pattern": "^\\\\s*[0-9]+(\\\\.[0-9]+)?\\\\s*([mM][sS]|[sSmMhH])?\\\\s*$"},
                  {"type": "number", "minimum": 0}],
                  "description": "500ms, 30s, 5m, 1h; a bare number is seconds."}
              }
            }
            """
    }
}
