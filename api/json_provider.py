"""JSON encoding with orjson: the answers on large territories are megabytes, and the standard encoder is
the bottleneck."""
from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import JSONProvider

OPTIONS = orjson.OPT_NON_STR_KEYS


def encode(value: Any) -> bytes:
    """UTF-8 JSON bytes, keys in insertion order, non-ASCII kept as is."""
    return orjson.dumps(value, option=OPTIONS)


class OrjsonProvider(JSONProvider):
    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return encode(obj).decode("utf-8")

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        value = args[0] if len(args) == 1 else (args or kwargs)
        return self._app.response_class(encode(value), mimetype="application/json")  # type: ignore[arg-type]
