"""The bridge from a write to the conflict rules: re-evaluate what a changed record touches.

Filled in by the rules service (coi.services.flags); kept separate so that record services do
not import the rules engine directly.
"""

_hooks: list = []


def register(hook) -> None:
    """hook(s, actor, entity, record) runs inside every write, after the record is flushed."""
    if hook not in _hooks:
        _hooks.append(hook)


def after_write(s, actor, entity: str, record) -> None:
    for hook in _hooks:
        hook(s, actor, entity, record)
