"""A readable page of the API made from its OpenAPI document on the server: no scripts, no
styles, nothing fetched from elsewhere, so it keeps to the strict CSP (Swagger UI would load
scripts from a CDN and run inline ones)."""

from __future__ import annotations

from html import escape
from typing import Any


def _parameter_rows(parameters: list[dict[str, Any]]) -> str:
    rows = []
    for parameter in parameters:
        schema = parameter.get("schema") or {}
        kinds = [option.get("type", "") for option in schema.get("anyOf", [schema])]
        kind = " or ".join(k for k in kinds if k and k != "null") or "string"
        rows.append(
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                escape(parameter["name"]),
                escape(parameter.get("in", "")),
                escape(kind + (" (required)" if parameter.get("required") else "")),
                escape(parameter.get("description") or schema.get("description") or ""),
            )
        )
    if not rows:
        return ""
    head = "<tr><th>name</th><th>in</th><th>type</th><th>meaning</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def docs_page(openapi: dict[str, Any]) -> str:
    """The endpoints, what each does, its parameters and its answers, as plain HTML."""
    info = openapi.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(info.get('title', 'API'))}</title></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} {escape(info.get('version', ''))}</h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a>.</p>",
    ]
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            parts.append(f"<h2><code>{escape(method.upper())} {escape(path)}</code></h2>")
            parts.append(f"<p>{escape(operation.get('summary', ''))}</p>")
            description = operation.get("description")
            if description:
                parts.append(f"<p>{escape(description)}</p>")
            parts.append(_parameter_rows(operation.get("parameters", [])))
            answers = ", ".join(
                f"{escape(code)} {escape(answer.get('description', ''))}"
                for code, answer in operation.get("responses", {}).items()
            )
            parts.append(f"<p>Answers: {answers}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
