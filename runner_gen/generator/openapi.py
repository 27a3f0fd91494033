"""The exposure's contract as an OpenAPI 3.1 document, for clients in other languages.

One operation per exposed task (``POST {base}/task/{id}``) and event (``POST {base}/event/{id}``),
plus discovery. Bodies are Runner's envelopes (``{"input": ...}`` in, ``{"ok": true, "result":
...}`` out) around the JSON Schemas of the task's own types (``openapi_schemas.py``). Every
failure an operation can answer is listed with its envelope: the exposure's refusals (400, 401,
403, 408, 413, 500, 503), the built-in rejections (400, 429, 503, 504, with ``Retry-After``) and
the app's declared typed errors under their ``http_code``. Any task may call others, so a
rejection or typed error is possible on every operation. Output is deterministic: sorted keys,
definitions named by pydantic from the sorted ids.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from runner_gen.generator.model import AppModel, Exposure, Node
from runner_gen.generator.openapi_schemas import (
    SCHEMAS,
    SchemaSet,
    record_schema,
    resolve,
    used_records,
)
from runner_gen.generator.problems import BuildError, Problem
from runner_gen.runtime.exposure import errors as refusals
from runner_gen.runtime.rejections import BUILTIN_REJECTIONS

OPENAPI_VERSION = "3.1.0"
_JSON = "application/json"

#: The exposure's own refusals an operation may answer, by status (``runtime/exposure/errors``).
_REFUSALS: dict[int, tuple[type[refusals.ExposureError], ...]] = {
    400: (refusals.BadRequestError, refusals.InvalidJsonError, refusals.InvalidInputError),
    401: (refusals.UnauthorizedError,),
    403: (refusals.ForbiddenError,),
    408: (refusals.RequestTimeoutError,),
    413: (refusals.PayloadTooLargeError,),
    500: (refusals.AuthNotConfiguredError,),
    503: (refusals.UnavailableError,),
}
_DESCRIPTIONS = {
    200: "Success envelope.",
    400: "Bad request: framing, JSON, input validation, or a rejection (missing context).",
    401: "Missing or wrong credentials.",
    403: "The id is not exposed.",
    408: "The body did not arrive in time.",
    413: "The body is larger than the exposure's limit.",
    429: "Rate limited: retry after Retry-After seconds.",
    500: "Internal error (details only in the server's log), or a typed error with code 500.",
    503: "Shutting down, or a rejection (circuit open, queue full...): retry later.",
    504: "The task timed out.",
}
_RETRY_STATUSES = frozenset({429, 503, 504})


def openapi_document(model: AppModel, version: str) -> dict[str, Any]:
    """The document for the app's exposure; BuildError unless there is exactly one."""
    exposures = sorted(model.routing.exposures.values(), key=lambda e: e.id)
    if len(exposures) != 1:
        found = ", ".join(e.id for e in exposures) or "none"
        raise BuildError(
            [
                Problem(
                    "openapi_needs_one_exposure",
                    f'openapi: the app "{model.root_id}" must have exactly one HTTP exposure to'
                    f" describe (found: {found})",
                    remediation="Remove the openapi option of this app, or describe each"
                    " exposure from an app of its own.",
                )
            ]
        )
    return _Document(model, exposures[0], version).build()


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Document:
    def __init__(self, model: AppModel, exposure: Exposure, version: str) -> None:
        self.model = model
        self.exposure = exposure
        self.version = version
        node = model.nodes[exposure.id]
        attachment = node.registration.attachment
        # The registered config; an exposure registered bare has its schema's defaults.
        self.config: Any = attachment.config if attachment is not None else None
        if self.config is None:
            from runner_gen.definitions.defaults import default_config

            self.config = default_config(node.definition)
        stripped = self.config.base_path.strip("/")
        self.base = f"/{stripped}" if stripped else ""  # as ExposureConfig normalizes it
        self.schemas = SchemaSet()
        self.components: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.operation_ids: set[str] = set()

    def build(self) -> dict[str, Any]:
        errors = [self.model.nodes[i] for i in sorted(self.model.error_ids)]
        keys = self._want_types(errors)
        self.schemas.build()
        self.components.update(self.schemas.definitions)
        self._envelopes()
        failures = self._failure_responses(errors, keys)
        paths: dict[str, Any] = {}
        for task_id in sorted(self.exposure.task_ids):
            paths[f"{self.base}/task/{task_id}"] = {
                "post": self._task(self.model.nodes[task_id], keys, failures)
            }
        for event_id in sorted(self.exposure.event_ids):
            paths[f"{self.base}/event/{event_id}"] = {
                "post": self._event(self.model.nodes[event_id], keys, failures)
            }
        if not self.config.disable_discovery:
            paths[f"{self.base}/discovery"] = {"get": self._discovery(failures)}
        for name in used_records(paths) + used_records(self.components):
            self.components[name] = record_schema(name)
        document: dict[str, Any] = {
            "openapi": OPENAPI_VERSION,
            "info": {
                "title": f"{self.model.root_id} ({self.exposure.id})",
                "version": self.version,
                "description": "Runner's HTTP tunnel protocol, served by runner-gen. Values"
                " that JSON cannot carry travel as Runner serializer records"
                ' ({"__type": ..., "value": ...}).',
            },
            "paths": paths,
            "components": {"schemas": self.components, "responses": self.responses},
        }
        schemes = self._security_schemes()
        if schemes:
            document["components"]["securitySchemes"] = schemes
            document["security"] = [{name: []} for name in sorted(schemes)]
            if self.config.allow_anonymous:
                document["security"].append({})
        return document

    # -- types --------------------------------------------------------------------------------

    def _want_types(self, errors: list[Node]) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        for task_id in self.exposure.task_ids:
            task = self.model.nodes[task_id]
            if task.input_type is not None:
                keys[f"in:{task_id}"] = self.schemas.want(
                    f"in:{task_id}", resolve(task.input_type), "request"
                )
            keys[f"out:{task_id}"] = self.schemas.want(
                f"out:{task_id}", resolve(task.result_type), "response"
            )
        for event_id in self.exposure.event_ids:
            event = self.model.nodes[event_id]
            keys[f"in:{event_id}"] = self.schemas.want(
                f"in:{event_id}", resolve(event.payload_type), "request"
            )
        for error in errors:
            data_schema = error.definition.data_schema
            if data_schema is not None:
                keys[f"data:{error.id}"] = self.schemas.want(
                    f"data:{error.id}", data_schema, "response"
                )
        return keys

    # -- envelopes and failures -----------------------------------------------------------------

    def _envelopes(self) -> None:
        codes = sorted({cls.code for group in _REFUSALS.values() for cls in group})
        codes.append(refusals.ParallelEventReturnError.code)
        self.components["RunnerRefusal"] = _failure_envelope(
            {
                "code": {"enum": sorted(codes)},
                "message": {"type": "string"},
                "details": {"description": "Why the input failed (INVALID_INPUT): loc, msg, type."},
            },
            ["message", "code"],
            "A request the exposure refused before running anything.",
        )

    def _failure_responses(self, errors: list[Node], keys: dict[str, Any]) -> dict[int, list[str]]:
        """Component names of the failure envelopes by status, shared by every operation."""
        by_status: dict[int, list[str]] = defaultdict(list)
        for status in _REFUSALS:
            by_status[status].append("RunnerRefusal")
        rejections: dict[int, list[str]] = defaultdict(list)
        for rejection_id, cls in BUILTIN_REJECTIONS.items():
            rejections[_status(cls.http_code)].append(rejection_id)
        rejection_data: dict[str, Any] = {
            "type": "object",
            "properties": {"message": {"type": "string"}, "retryAfter": {"type": "number"}},
            "required": ["message"],
        }
        for status, ids in sorted(rejections.items()):
            name = f"RunnerRejection{status}"
            self.components[name] = _typed_error(sorted(ids), status, rejection_data)
            by_status[status].append(name)
        for error in errors:
            status = _status(error.definition.http_code)
            name = f"Error.{error.id}"
            data_key = keys.get(f"data:{error.id}")
            data = None if data_key is None else self.schemas.schema(data_key)
            declared = error.definition.http_code_declared
            http_code = error.definition.http_code if declared else None
            self.components[name] = _typed_error([error.id], http_code, data)
            by_status[status].append(name)
        by_status[500].insert(0, "RunnerInternalError")
        self.components["RunnerInternalError"] = _failure_envelope(
            {"code": {"const": "INTERNAL_ERROR"}, "message": {"const": "Internal Error"}},
            ["message", "code"],
            "An unexpected failure; the server logged it with the request id.",
        )
        return dict(sorted(by_status.items()))

    def _responses(self, success: dict[str, Any], failures: dict[int, list[str]]) -> Any:
        responses: dict[str, Any] = {"200": _response(200, success)}
        for status, names in failures.items():
            if status == 401 and not self._security_schemes():
                continue
            name = f"Failure{status}"
            if name not in self.responses:
                refs = [{"$ref": SCHEMAS + schema} for schema in names]
                self.responses[name] = _response(
                    status, refs[0] if len(refs) == 1 else {"anyOf": refs}
                )
            responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
        return responses

    # -- operations ------------------------------------------------------------------------------

    def _task(self, task: Node, keys: dict[str, Any], failures: dict[int, list[str]]) -> Any:
        input_key = keys.get(f"in:{task.id}")
        operation = self._operation("task", task)
        if input_key is None:
            body: dict[str, Any] = {"type": "object", "description": "The task takes no input."}
            operation["requestBody"] = {"required": False, "content": {_JSON: {"schema": body}}}
        else:
            body = {
                "type": "object",
                "properties": {"input": self.schemas.schema(input_key)},
                "required": ["input"],
            }
            operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
        result = self.schemas.schema(keys[f"out:{task.id}"])
        success = {
            "type": "object",
            "properties": {"ok": {"const": True}, "result": result},
            "required": ["ok", "result"],
        }
        operation["responses"] = self._responses(success, failures)
        return operation

    def _event(self, event: Node, keys: dict[str, Any], failures: dict[int, list[str]]) -> Any:
        operation = self._operation("event", event)
        payload = self.schemas.schema(keys[f"in:{event.id}"])
        body: dict[str, Any] = {
            "type": "object",
            "properties": {
                "payload": payload,
                "returnPayload": {
                    "type": "boolean",
                    "description": "Not supported by runner-gen (400"
                    " PARALLEL_EVENT_RETURN_UNSUPPORTED); leave it out.",
                },
            },
        }
        if event.payload_type.text != "None":
            body["required"] = ["payload"]
        operation["requestBody"] = {"required": True, "content": {_JSON: {"schema": body}}}
        success = {"type": "object", "properties": {"ok": {"const": True}}, "required": ["ok"]}
        operation["responses"] = self._responses(success, failures)
        return operation

    def _discovery(self, failures: dict[int, list[str]]) -> Any:
        names = {"type": "array", "items": {"type": "string"}}
        allow_list = {
            "type": "object",
            "properties": {"enabled": {"const": True}, "tasks": names, "events": names},
            "required": ["enabled", "tasks", "events"],
        }
        success = {
            "type": "object",
            "properties": {
                "ok": {"const": True},
                "result": {
                    "type": "object",
                    "properties": {"allowList": allow_list},
                    "required": ["allowList"],
                },
            },
            "required": ["ok", "result"],
        }
        refused = {s: n for s, n in failures.items() if s in (401, 500, 503)}
        return {
            "operationId": "discovery",
            "summary": "The task and event ids this exposure allows.",
            "tags": ["discovery"],
            "responses": self._responses(success, refused),
        }

    def _operation(self, kind: str, node: Node) -> dict[str, Any]:
        operation_id = re.sub(r"\W", "_", f"{kind}_{node.id}")
        while operation_id in self.operation_ids:
            operation_id += "_"
        self.operation_ids.add(operation_id)
        meta = getattr(node.definition, "meta", {}) or {}
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": str(meta.get("title") or f"{kind.title()} {node.id}"),
            "tags": [f"{kind}s"],
        }
        if isinstance(meta.get("description"), str):
            operation["description"] = meta["description"]
        return operation

    def _security_schemes(self) -> dict[str, Any]:
        config = self.config
        schemes: dict[str, Any] = {}
        if config.tokens or config.tokens_env:
            schemes["runnerToken"] = {"type": "apiKey", "in": "header", "name": config.header}
        principal = config.principal
        if config.verify is not None or (principal is not None and principal.verify is not None):
            schemes["bearer"] = {"type": "http", "scheme": "bearer"}
        return schemes


def _status(http_code: int) -> int:
    return http_code if 400 <= http_code <= 599 else 500


def _response(status: int, schema: dict[str, Any]) -> dict[str, Any]:
    headers: dict[str, Any] = {
        "x-runner-request-id": {
            "description": "The request's id (the caller's, or one the server made).",
            "schema": {"type": "string"},
        }
    }
    if status in _RETRY_STATUSES:
        headers["Retry-After"] = {
            "description": "Whole seconds to wait, when the refusing side knows.",
            "schema": {"type": "integer", "minimum": 1},
        }
    return {
        "description": _DESCRIPTIONS.get(status, "A declared typed error."),
        "headers": headers,
        "content": {_JSON: {"schema": schema}},
    }


def _failure_envelope(fields: dict[str, Any], required: list[str], description: str) -> Any:
    return {
        "description": description,
        "type": "object",
        "properties": {
            "ok": {"const": False},
            "error": {"type": "object", "properties": fields, "required": required},
        },
        "required": ["ok", "error"],
    }


def _typed_error(ids: list[str], http_code: int | None, data: dict[str, Any] | None) -> Any:
    """A typed error's envelope; without a data schema, ``data`` may hold anything (or be
    left out, when the error carries none). ``http_code`` None: the error declared none, and
    its envelope has no ``httpCode`` (Runner's)."""
    fields: dict[str, Any] = {
        "message": {"type": "string"},
        "code": {"const": "INTERNAL_ERROR"},
        "id": {"const": ids[0]} if len(ids) == 1 else {"enum": ids},
    }
    required = ["message", "code", "id"]
    if data is not None:
        fields["data"] = data
        required.append("data")
    else:
        fields["data"] = {}
    if http_code is not None and 100 <= http_code <= 599:
        fields["httpCode"] = {"const": http_code}
        required.append("httpCode")
    description = "A typed error (Runner's envelope; clients tell errors apart by id)."
    return _failure_envelope(fields, required, description)
