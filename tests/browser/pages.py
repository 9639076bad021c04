"""The pages people use most, for the layout, screenshot and focus tests."""


def main_pages(live) -> list[tuple[str, str, str]]:
    """(name, role, URL) of the pages people use most."""
    w = live.world
    pages = [
        ("dashboard", "ulo_staff", "/"),
        ("engagements", "commissioner", "/engagements"),
        ("engagement", "ulo_staff", f"/engagements/{w['engagement'].id}"),
        ("new-engagement", "commissioner", "/engagements/new"),
        ("bids", "ulo_staff", "/bids"),
        ("bid", "ulo_staff", f"/bids/{w['bid'].id}"),
        ("timeline", "ulo_staff",
         f"/relationships?ulo_id={w['ulo'].id}&commissioner_id={w['council'].id}"),
        ("income", "ulo_board", "/income"),
        ("organisation", "admin", f"/organisations/{w['council'].id}"),
        ("methodology", "auditor", "/methodology"),
    ]
    for name, role, found in (("flags", "ulo_board", _route(live, "/flags")),
                              ("history", "auditor", _route(live, "/history")),
                              ("board-pack", "ulo_board", _route(live, "board-pack")),
                              ("documents", "ulo_board", _route(live, "/documents")),
                              ("declarations-due", "ulo_board", _route(live, "declarations/due"))):
        if found:
            pages.append((name, role, found))
    return pages


def _route(live, wanted: str) -> str | None:
    """The first page without parameters whose address is, or contains, `wanted`."""
    for rule in sorted(live.app.url_map.iter_rules(), key=lambda r: len(r.rule)):
        if "GET" in rule.methods and not rule.arguments and (
                rule.rule == wanted or (not wanted.startswith("/") and wanted in rule.rule)):
            return rule.rule
    return None
