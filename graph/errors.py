"""Errors the queries raise; the API turns them into 404/400 problems, the CLI into messages."""
from __future__ import annotations


class NotFound(LookupError):
    def __init__(self, what: str, identifier: str):
        self.what, self.identifier = what, identifier
        super().__init__(f"{what} « {identifier} » introuvable")


class InvalidParameter(ValueError):
    def __init__(self, name: str, value, expected: str):
        self.name, self.value, self.expected = name, value, expected
        super().__init__(f"paramètre « {name} » : valeur « {value} » — attendu : {expected}")
