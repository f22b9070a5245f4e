"""The home page: what Maillage holds, in French (English with ``?lang=en``)."""
from __future__ import annotations

from flask import Blueprint, render_template_string, request

from api.app import get_store
from graph import schema

blueprint = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>Maillage</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head>
<body>
<h1>Maillage</h1>
<p>{{ text.intro }}</p>
<p>{{ text.store }} : <strong>{{ store }}</strong></p>
<table><thead><tr><th>{{ text.kind }}</th><th>{{ text.count }}</th></tr></thead><tbody>
{% for kind, count in counts %}<tr><td>{{ kind }}</td><td>{{ count }}</td></tr>{% endfor %}
</tbody></table>
<p><a href="/health">/health</a> · <a href="/api/v1/status">/api/v1/status</a></p>
</body></html>"""

TEXT = {
    "fr": {"intro": "Le graphe de coopération du territoire : qui travaille avec qui.",
           "store": "Base utilisée", "kind": "Type", "count": "Nombre"},
    "en": {"intro": "The territory's cooperation graph: who works with whom.",
           "store": "Store in use", "kind": "Kind", "count": "Count"},
}


@blueprint.get("/")
def index():
    lang = "en" if (request.args.get("lang") or "").startswith("en") else "fr"
    store = get_store()
    stored = store.node_counts()
    counts = [(kind.french_name if lang == "fr" else kind.english_type, stored[label])
              for label, kind in schema.NODE_KINDS.items()]
    return render_template_string(PAGE, lang=lang, text=TEXT[lang], store=store.describe(), counts=counts)
