"""Per-app state, as flaskr's ``db.py``: the store, the snapshot cache over it, and the request's language."""
from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from graph import i18n
from graph.accounts import Account
from graph.accounts import sees_persons as rules_sees_persons
from graph.stores import Store
from graph.stores.base import StoreUnavailable
from graph.territory import Territory, TerritoryCache

STORE_KEY = "maillage.store"
CACHE_KEY = "maillage.territory"
BACKGROUND_KEY = "maillage.background"  # the threads this app started (warm-up, writes prepared again)
WARMING_KEY = "maillage.warming"  # set while the server warms up (its snapshot read, a person's writes prepared)
OUTAGE_KEY = "maillage.outage"  # when the store last failed to answer (time.monotonic), 0 when it answers
RETRY_AFTER = 5  # seconds a client is told to wait when the store cannot be reached (a 503's Retry-After)
# While the store is down, a read serves the snapshot without asking it again for this long: one failed
# connection per interval rather than one per request.
RETRY_INTERVAL = 1.0
# How long a read that need not wait for a refresh (TerritoryCache.current) waits for one it set off, at most: a
# small change is read within it, an import's chunk committing meanwhile is not waited for. Seconds.
REFRESH_PATIENCE = 0.05


def get_store(app: Flask | None = None) -> Store:
    """The store the app serves."""
    return (app or current_app).extensions[STORE_KEY]


def unavailable(error: BaseException) -> bool:
    """Whether *error* means the store cannot be reached now (a 503, not a defect)."""
    return isinstance(error, (StoreUnavailable, *get_store().unavailable_errors))


def full_territory() -> Territory:
    """The snapshot of the store's current version (refreshed after any write), persons included: for what
    only counts them (aggregates by service), or for those who may see them.

    When the store cannot be reached, the last snapshot answers, and the response says the data may be
    stale (:func:`mark_stale`): reading is safe, since nothing can be written meanwhile through this store."""
    cache: TerritoryCache = current_app.extensions[CACHE_KEY]
    if cache.last is not None and recently_failed():
        g.stale = True
        return cache.last
    try:
        snapshot = cache.current(wait=not may_skip_refresh(), writer=writer(),
                                 patience=current_app.config["MAILLAGE_REFRESH_PATIENCE"],
                                 known_mark=g.pop(MARK_KEY, None))
    except Exception as error:
        if cache.last is None or not unavailable(error):
            raise
        store_failed()
        g.stale = True
        return cache.last
    store_answered()
    return snapshot


MARK_KEY = "maillage_store_mark"  # on flask.g: the store's mark read with this request's account (read_marked)


def read_marked(key: tuple[str, str]) -> dict | None:
    """The record at *key* (collection, key), read with the store's mark in one round trip: the snapshot this
    request reads next (:func:`full_territory`) takes that mark instead of asking the store again. An account,
    a token or a survey link is read first by most requests, and while an import commits each wait for the
    store may be a long one."""
    [value], mark = get_store().records_and_mark([key])
    setattr(g, MARK_KEY, mark)
    return value


# The methods that only read (RFC 9110's safe methods): any other may write, needs its CSRF token (api.auth), and
# reads the latest snapshot to check itself.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def may_skip_refresh() -> bool:
    """Whether this request may answer from the snapshot another thread is replacing (:meth:`TerritoryCache.current`
    without waiting): a read, in a server of one process (a pre-forked worker does not know what the others
    acknowledged, so its reads wait, as every answer did before)."""
    return request.method in SAFE_METHODS and not current_app.config.get("MAILLAGE_READS_WAIT", False)


def writer() -> str | None:
    """Who writes or reads in this request, as the snapshot cache knows them (:meth:`TerritoryCache.current`): an
    account (its sessions and its tokens alike), or a survey's personal link; None for anyone else, whose reads
    then wait for every write this process acknowledged."""
    found = account()
    if found is not None:
        return f"account:{found.login}"
    if request.blueprint == "editing_pages" and request.view_args and "token" in request.view_args:
        return f"link:{request.view_args['token']}"
    return None


def note_written(response: Response) -> Response:
    """After a write this process acknowledges (an unsafe method answered below 400), the snapshot cache learns the
    store's mark, and whose write it was: a read that does not wait is never given a snapshot without this write,
    neither the writer's nor one whose writer is not known."""
    if request.method not in SAFE_METHODS and response.status_code < 400:
        try:
            current_app.extensions[CACHE_KEY].written(get_store().mark(), writer())
        except Exception as error:
            if not unavailable(error):
                raise
            store_failed()  # the reads that follow are served stale, and say so
    return response


def store_answered() -> None:
    """Note that the store answered. After an outage, a person's writes are prepared again, in the background
    (:meth:`graph.stores.base.Store.prepare_writes`): a Neo4j that restarted has forgotten its plans."""
    outage = current_app.extensions[OUTAGE_KEY]
    if outage["since"]:
        outage["since"] = 0
        prepare_writes_in_background(current_app._get_current_object())  # type: ignore[attr-defined]


def recently_failed() -> bool:
    """Whether the store failed to answer less than :data:`RETRY_INTERVAL` ago (readers then do not ask it)."""
    outage = current_app.extensions[OUTAGE_KEY]
    return bool(outage["since"]) and time.monotonic() - outage["asked"] < RETRY_INTERVAL


def outage_since() -> float:
    """When the store stopped answering (epoch seconds), 0 when it answers."""
    return current_app.extensions[OUTAGE_KEY]["since"]


def store_failed() -> None:
    """Note that the store did not answer (a read or a write that failed with :func:`unavailable`)."""
    outage = current_app.extensions[OUTAGE_KEY]
    outage["since"] = outage["since"] or time.time()
    outage["asked"] = time.monotonic()


STALE_BANNER = re.compile(rb"<body[^>]*>")


def mark_stale(response: Response) -> Response:
    """A response served from the last snapshot while the store is down says so: a ``Warning`` header (110,
    "Response is Stale") and, on a page or a view, a notice at the top."""
    if not g.get("stale"):
        return response
    response.headers["Warning"] = '110 - "Response is Stale"'
    if response.mimetype == "text/html" and not response.direct_passthrough:
        nonce = g.get("csp_nonce", "")
        notice = (f'<style nonce="{nonce}">.stale-notice{{margin:0;padding:.5em;background:#fde68a;color:#000}}'
                  f'</style><p class="stale-notice" role="status">{i18n.t("stale.notice")}</p>').encode()
        body = response.get_data()
        found = STALE_BANNER.search(body)
        if found:
            response.set_data(body[:found.end()] + notice + body[found.end():])
    return response


def account() -> Account | None:
    """The account of this request (a session or a token), or None."""
    return current_user.account if getattr(current_user, "is_authenticated", False) else None


def sees_persons() -> bool:
    """Whether whoever asks sees natural persons by name (the one rule, :func:`graph.accounts.sees_persons`)."""
    found = account()
    return rules_sees_persons(found.role if found is not None and not found.disabled else None,
                              current_app.config["MAILLAGE_PERSONS_VISIBLE_TO"])


def territory(counts_only: bool = False) -> Territory:
    """The snapshot as whoever asks may see it: every page, answer, view, export and search reads this one.
    *counts_only*: the answer only counts persons by service (never names one), so it reads them all."""
    snapshot = full_territory()
    return snapshot if counts_only or sees_persons() else snapshot.masked()


def request_language() -> str:
    """The language of the current request (set when the request began)."""
    return i18n.current_language()


def choose_language() -> None:
    """``?lang=`` first, then the browser's ``Accept-Language``; French by default. Set for this request only:
    the language lives in a context variable, so that people served at once each get their own, and the
    language before the request comes back when it ends."""
    asked = request.args.get("lang") or request.accept_languages.best_match(list(i18n.LANGUAGES)) or "fr"
    g.language_token = i18n.enter_language("en" if asked.startswith("en") else "fr")


def restore_language(_error: BaseException | None = None) -> None:
    token = g.pop("language_token", None)
    if token is not None:
        i18n.leave_language(token)


def attach(app: Flask, store: Store, keep_snapshot_in: Path | None = None) -> None:
    app.config.setdefault("MAILLAGE_REFRESH_PATIENCE", REFRESH_PATIENCE)
    app.extensions[STORE_KEY] = store
    app.extensions[CACHE_KEY] = TerritoryCache(store, keep_snapshot_in)
    app.extensions[OUTAGE_KEY] = {"since": 0.0, "asked": 0.0}
    app.extensions[WARMING_KEY] = threading.Event()
    app.extensions[BACKGROUND_KEY] = []
    app.before_request(choose_language)
    app.after_request(note_written)
    app.teardown_request(restore_language)


def warm(app: Flask, before_fork: bool = True) -> None:
    """Read the snapshot and build its network and indexes now, before anyone asks (in an app context); the views'
    compiled layout loaded too. :func:`warming` meanwhile."""
    app.extensions[WARMING_KEY].set()
    try:
        _warm(app, before_fork)
    finally:
        app.extensions[WARMING_KEY].clear()


def warming() -> bool:
    """Whether the server is warming up (:func:`warm`): it answers meanwhile, the first people a little slower."""
    return current_app.extensions[WARMING_KEY].is_set()


def _warm(app: Flask, before_fork: bool) -> None:
    from visualisations.layout import load_compiled

    snapshot = app.extensions[CACHE_KEY].current()
    snapshot.network()
    if before_fork:  # else built when an ego network first asks, as after every write: here, the first
        snapshot.neighbour_arrays()  # answers after a write would share the interpreter with its second
    snapshot.participation_index  # noqa: B018 (built now: a cached property)
    load_compiled()  # numba's compiled steps (half a second, once)
    for name in app.jinja_env.list_templates():  # compiled once each (~40 ms for a survey's page, its first time)
        app.jinja_env.get_template(name)
    if before_fork:
        app.extensions[CACHE_KEY].wait_until_kept()  # a thread writing the file would not survive a fork
    else:
        # The first writes do not wait for Neo4j to plan their queries. Not before a fork, where the first answer
        # waits for the warm-up: a pre-forked server's first worker warms up again, in the background.
        get_store(app).prepare_writes()


def warm_in_background(app: Flask) -> threading.Thread:
    """:func:`warm` in a thread, while the server already answers: the first people served wait for the read it
    started, not for one their request would start later. A store that does not answer yet is read when asked."""
    app.extensions[WARMING_KEY].set()  # from now: /health, asked before the thread starts, says so
    return _in_background(app, "warm_up", lambda: warm(app, before_fork=False))


def prepare_writes_in_background(app: Flask) -> threading.Thread:
    """The store's :meth:`~graph.stores.base.Store.prepare_writes` in a thread (a store that does not answer
    again is left as it is: its writes are planned when made)."""
    return _in_background(app, "prepare_writes", lambda: get_store(app).prepare_writes())


def _in_background(app: Flask, name: str, work: Callable[[], object]) -> threading.Thread:
    """*work* in a thread, in an app context; a store that cannot be reached is logged (``<name>_failed``)."""
    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception as error:
                if not unavailable(error):
                    raise
                logging.getLogger("maillage.snapshot").warning("%s_failed: %s", name, error)

    thread = threading.Thread(target=run, name=name.replace("_", "-"), daemon=True)
    background = app.extensions[BACKGROUND_KEY]
    background[:] = [*(other for other in background if other.is_alive()), thread]
    thread.start()
    return thread


def join_background(app: Flask, timeout: float = 60) -> None:
    """Return once the threads this app started in the background have ended (before its store is closed:
    a thread still writing through a closed driver fails)."""
    for thread in list(app.extensions[BACKGROUND_KEY]):
        thread.join(timeout)


def erase_person(person_id: str, by: str, source: str) -> dict:
    """Erase *person_id* (:func:`graph.privacy.erase`), and the snapshot kept on disk at once: it holds the person
    (the next read keeps another)."""
    from graph import privacy

    erased = privacy.erase(get_store(), person_id, by, source)
    current_app.extensions[CACHE_KEY].forget_kept()
    return erased


def reopen(app: Flask, store: Store) -> None:
    """Serve through *store* from now on, keeping the snapshot read through the previous one (a forked
    worker's own connection to the same store)."""
    app.extensions[STORE_KEY] = store
    app.extensions[CACHE_KEY].store = store
