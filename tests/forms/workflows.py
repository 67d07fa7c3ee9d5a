"""Workflows of the form and chat tests, shaped as n8n exports them."""

from __future__ import annotations

from typing import Any

ALL_FIELDS: list[dict[str, Any]] = [
    {"fieldLabel": "Name", "requiredField": True, "placeholder": "your name"},
    {"fieldLabel": "About", "fieldType": "textarea"},
    {"fieldLabel": "Email", "fieldType": "email", "requiredField": True},
    {"fieldLabel": "Age", "fieldType": "number"},
    {"fieldLabel": "Secret", "fieldType": "password"},
    {"fieldLabel": "Birthday", "fieldType": "date"},
    {
        "fieldLabel": "Colour",
        "fieldType": "dropdown",
        "fieldOptions": {"values": [{"option": "red"}, {"option": "blue"}]},
    },
    {
        "fieldLabel": "Toppings",
        "fieldType": "checkbox",
        "fieldOptions": {"values": [{"option": "ham"}, {"option": "olives"}, {"option": "egg"}]},
    },
    {
        "fieldLabel": "Size",
        "fieldType": "radio",
        "fieldOptions": {"values": [{"option": "S"}, {"option": "L"}]},
    },
    {"fieldLabel": "Attachment", "fieldType": "file", "multipleFiles": False},
    {"fieldType": "hiddenField", "fieldName": "source", "fieldValue": "web"},
    {"fieldType": "html", "html": "<p>Thanks <b>a lot</b><script>alert(1)</script></p>"},
]


def _link(target: str) -> dict[str, Any]:
    return {"main": [[{"node": target, "type": "main", "index": 0}]]}


def form_workflow(path: str, *, mode: str = "lastNode", version: float = 2.2) -> dict[str, Any]:
    """Form Trigger with every field type -> Set (a greeting from the Name field)."""
    return {
        "name": f"form {path}",
        "nodes": [
            {
                "name": "On form submission",
                "type": "n8n-nodes-base.formTrigger",
                "typeVersion": version,
                "webhookId": f"hook-{path}",
                "parameters": {
                    "path": path,
                    "formTitle": "Contact us",
                    "formDescription": "We'll get back to you",
                    "formFields": {"values": ALL_FIELDS},
                    "responseMode": mode,
                    "options": {
                        "respondWithOptions": {
                            "values": {"respondWith": "text", "formSubmittedText": "Got it!"}
                        }
                    },
                },
            },
            {
                "name": "Greet",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {"name": "greeting", "value": "=Hi {{ $json.Name }}", "type": "string"}
                        ]
                    },
                    "options": {},
                },
            },
        ],
        "connections": {"On form submission": _link("Greet")},
    }


def two_page_workflow(path: str) -> dict[str, Any]:
    """Form Trigger (Name) -> Form page (Dish, with the name in its title) -> Form ending."""
    return {
        "name": f"two pages {path}",
        "nodes": [
            {
                "name": "On form submission",
                "type": "n8n-nodes-base.formTrigger",
                "typeVersion": 2.2,
                "webhookId": f"hook-{path}",
                "parameters": {
                    "path": path,
                    "formTitle": "Page one",
                    "formFields": {"values": [{"fieldLabel": "Name", "requiredField": True}]},
                    "options": {},
                },
            },
            {
                "name": "Second page",
                "type": "n8n-nodes-base.form",
                "typeVersion": 1,
                "webhookId": f"page-{path}",
                "parameters": {
                    "formFields": {
                        "values": [
                            {
                                "fieldLabel": "Dish",
                                "fieldType": "dropdown",
                                "fieldOptions": {"values": [{"option": "soup"}, {"option": "pie"}]},
                                "requiredField": True,
                            }
                        ]
                    },
                    "options": {"formTitle": "=Hello {{ $json.Name }}"},
                },
            },
            {
                "name": "Ending",
                "type": "n8n-nodes-base.form",
                "typeVersion": 1,
                "webhookId": f"end-{path}",
                "parameters": {
                    "operation": "completion",
                    "completionTitle": "=Enjoy the {{ $json.Dish }}",
                    "completionMessage": "See you soon",
                },
            },
        ],
        "connections": {
            "On form submission": _link("Second page"),
            "Second page": _link("Ending"),
        },
    }


def chat_workflow(hook: str, **params: Any) -> dict[str, Any]:
    """Chat Trigger (public, hosted) -> Set: output = "echo: <chatInput>"."""
    return {
        "name": f"chat {hook}",
        "nodes": [
            {
                "name": "When chat message received",
                "type": "@n8n/n8n-nodes-langchain.chatTrigger",
                "typeVersion": 1.1,
                "webhookId": hook,
                "parameters": {
                    "public": True,
                    "initialMessages": "Hello there!\nAsk me anything.",
                    "options": {},
                    **params,
                },
            },
            {
                "name": "Echo",
                "type": "n8n-nodes-base.set",
                "typeVersion": 3.4,
                "parameters": {
                    "assignments": {
                        "assignments": [
                            {
                                "name": "output",
                                "value": "=echo: {{ $json.chatInput }}",
                                "type": "string",
                            },
                            {
                                "name": "session",
                                "value": "={{ $json.sessionId }}",
                                "type": "string",
                            },
                        ]
                    },
                    "options": {},
                },
            },
        ],
        "connections": {"When chat message received": _link("Echo")},
    }
