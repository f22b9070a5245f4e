"""Log output: lines for people by default, JSON lines with ``MAILLAGE_LOG_FORMAT=json`` (one object per
line: time, level, logger, message and the request's fields: id, route, status, duration…), for a log
collector."""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
                "process": record.process,  # which worker answered, with --workers
                **getattr(record, "fields", {})}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str | None = None, stream=None) -> logging.Handler:
    """Send Maillage's logs (and waitress') to *stream* (stderr), as JSON lines or text lines."""
    chosen = (log_format or os.environ.get("MAILLAGE_LOG_FORMAT") or "text").lower()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if chosen == "json"
                         else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    for name in ("maillage", "waitress"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return handler
