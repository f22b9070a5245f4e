"""The home page: what Maillage holds, in French (English with ``?lang=en``)."""
from __future__ import annotations

from flask import Blueprint, render_template

from api.state import get_store
from graph import i18n, schema

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
def index():
    lang = i18n.current_language()
    store = get_store()
    stored = store.node_counts()
    counts = [(kind.display(lang), stored[label])
              for label, kind in schema.NODE_KINDS.items()]
    themes = sorted(((n.id, n.name) for n in store.nodes(schema.THEME.label)), key=lambda x: x[1])
    return render_template("home.html", lang=lang, text=i18n.words("home", lang), ui=i18n.words("ui", lang),
                           store=store.describe(), counts=counts, themes=themes)
