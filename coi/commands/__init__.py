"""Each feature's `flask` commands, one module each with a COMMANDS list (see coi.cli)."""
