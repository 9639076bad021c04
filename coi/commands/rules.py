"""`flask recompute`: every rule over the whole register, with progress and a summary."""

import os
import sys
import time

import click

from coi.services import recompute as recomputing


@click.command("recompute")
@click.option("--batch", default=recomputing.BATCH, show_default=True,
              type=click.IntRange(1, 10_000), help="ULOs read and saved per transaction")
@click.option("--workers", default=min(4, os.cpu_count() or 1), show_default=True,
              type=click.IntRange(1, 64), help="processes reading and evaluating batches at once")
def recompute(batch, workers):
    """Re-evaluate every rule over the whole register and print what changed."""
    started = time.perf_counter()
    total = len(recomputing.ulo_ids())
    with click.progressbar(length=total, label="Evaluating ULOs", show_pos=True,
                           file=sys.stderr) as bar:
        counts = recomputing.run(progress=bar.update, batch=batch, workers=workers)
    click.echo(f"Evaluated {total} ULOs in {time.perf_counter() - started:.1f} s.")
    for name in ("opened", "updated", "reopened", "superseded", "unchanged"):
        click.echo(f"{name.capitalize():>11}: {counts.get(name, 0)}")


COMMANDS = [recompute]
