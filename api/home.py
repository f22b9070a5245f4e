"""The home page: what Maillage holds, in French (English with ``?lang=en``)."""
from __future__ import annotations

from flask import Blueprint, render_template_string

from api.state import get_store
from graph import i18n, schema

blueprint = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><title>Maillage</title>
<style nonce="{{ csp_nonce }}">body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}</style>
</head>
<body>
<h1>Maillage</h1>
<p>{{ text.intro }}</p>
<p>{{ text.store }} : <strong>{{ store }}</strong></p>
<table><thead><tr><th>{{ text.kind }}</th><th>{{ text.count }}</th></tr></thead><tbody>
{% for kind, count in counts %}<tr><td>{{ kind }}</td><td>{{ count }}</td></tr>{% endfor %}
</tbody></table>
<h2>{{ text.explore }}</h2>
<ul>
<li><a href="/views/territory">{{ text.territory }}</a></li>
<li><a href="/views/services">{{ text.services }}</a> (<a href="/views/figures/matrix.svg">{{ text.matrix }}</a>,
<a href="/views/figures/ei.svg">{{ text.ei }}</a>)</li>
<li><a href="/search">{{ ui.search }}</a> · <a href="/my/cooperations">{{ ui.my_ties }}</a> · <a href="/cooperations/declare">{{ ui.declare }}</a> · <a href="/history">{{ ui.history }}</a> · <a href="/login">{{ ui.login }}</a></li>
<li><a href="/api/v1/docs">{{ text.api }}</a></li>
</ul>
{% if themes %}<h2>{{ text.themes }}</h2><ul>{% for id, name in themes %}<li><a href="/themes/{{ id }}">{{ name }}</a></li>{% endfor %}</ul>{% endif %}
<p><a href="/health">/health</a> · <a href="/api/v1/status">/api/v1/status</a></p>
</body></html>"""

@blueprint.get("/")
def index():
    lang = i18n.current_language()
    store = get_store()
    stored = store.node_counts()
    counts = [(kind.display(lang), stored[label])
              for label, kind in schema.NODE_KINDS.items()]
    themes = sorted(((n.id, n.name) for n in store.nodes(schema.THEME.label)), key=lambda x: x[1])
    return render_template_string(PAGE, lang=lang, text=i18n.words("home", lang), ui=i18n.words("ui", lang),
                                  store=store.describe(),
                                  counts=counts, themes=themes)
